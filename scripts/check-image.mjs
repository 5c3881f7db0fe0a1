// Checks an image built from deploy/Dockerfile (deploy/build-image.sh runs it): its configuration
// (non-root user, entrypoint and command, HEALTHCHECK through the probe, exposed ports), its size,
// and its files in a chroot as the image's user, since containers cannot run here (cgroups):
// Node.js 24 runs, the example's modules resolve through the entrypoint's `--import tsx`, and the
// probe exits 1 when nothing listens. Usage: node scripts/check-image.mjs [tag]
import { execFileSync } from 'node:child_process';

const tag = process.argv[2] ?? 'rpcnet-example:dev';
const podman = (...args) =>
  execFileSync('podman', ['--storage-driver', 'vfs', ...args], { encoding: 'utf8' }).trim();
const problems = [];
const expect = (ok, message) => {
  if (!ok) problems.push(message);
};
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

const [image] = JSON.parse(podman('image', 'inspect', tag));
const config = image.Config;
expect(
  config.User !== undefined && !/^(|root|0)(:.*)?$/.test(config.User),
  `user is ${config.User}`,
);
expect(same(config.Entrypoint, ['node', '--import', 'tsx']), `entrypoint ${config.Entrypoint}`);
expect(same(config.Cmd, ['cluster/worker.ts']), `cmd ${config.Cmd}`);
expect(config.WorkingDir === '/app/examples', `workdir ${config.WorkingDir}`);
const healthcheck = image.Healthcheck ?? config.Healthcheck;
expect(
  same(healthcheck?.Test, ['CMD', 'node', '/app/deploy/probe.mjs']),
  `healthcheck ${JSON.stringify(healthcheck)}`,
);
for (const port of ['61000/udp', '62000/udp', '62001/udp', '63001/udp', '7980/tcp']) {
  expect(port in (config.ExposedPorts ?? {}), `port ${port} not exposed`);
}

// The image's files, run in a chroot (private mount namespace for /proc and /dev) as its user.
const container = podman('create', '--pull=never', '--no-healthcheck', tag);
try {
  const root = podman('mount', container);
  const env = { PATH: '/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/home/node' };
  const uid = execFileSync('chroot', [root, 'id', '-u', config.User], { encoding: 'utf8', env });
  const inImage = (script) =>
    execFileSync(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        `mount --rbind /dev "$0/dev" && mount -t proc proc "$0/proc" && exec chroot --userspec=${uid.trim()}:${uid.trim()} "$0" sh -c 'cd /app/examples && ${script}'`,
        root,
      ],
      { encoding: 'utf8', env },
    ).trim();
  expect(uid.trim() !== '0', `user ${config.User} has uid ${uid}`);
  const version = inImage('node --version');
  expect(version.startsWith('v24.'), `node ${version}`);
  const exported = inImage(
    `node --import tsx --input-type=module -e "const m = await import(\\"./cluster/worker-service.ts\\"); console.log(typeof m.workerService)"`,
  );
  expect(exported === 'object', `the example's worker service in the image: ${exported}`);
  const probe = inImage('node /app/deploy/probe.mjs && echo 0 || echo $?');
  expect(probe === '1', `probe with nothing listening exits ${probe}, want 1`);
} finally {
  podman('rm', container);
}

const megabytes = Math.round(image.Size / 1e6);
if (problems.length > 0) {
  console.error(`check-image ${tag}: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `check-image ${tag}: user ${config.User}, entrypoint ${config.Entrypoint.join(' ')} ${config.Cmd.join(' ')}, healthcheck ok, Node.js 24 and the example load in the image, ${megabytes} MB`,
);
