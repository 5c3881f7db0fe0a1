// Checks the deployment artifacts in deploy/ offline:
// - every Kubernetes manifest validates against the Kubernetes API JSON schemas shipped by the
//   npm package kubernetes-models (pinned; generated from Kubernetes 1.27 — the objects used here
//   are in stable API groups: v1, apps/v1, policy/v1, networking.k8s.io/v1);
// - the rules the docs promise hold (headless Services publishing not-ready pods, probes, a grace
//   period above drain + leave, non-root, the gossip secret from a Secret, the advertised address
//   from the pod IP, readiness and liveness from the management endpoint's /readyz and /livez,
//   a PodDisruptionBudget and a NetworkPolicy per member set);
// - deploy/Dockerfile passes dockerfile-utils' linter (the VS Code Docker extension's) and is
//   multi-stage, node:24 based, non-root, with a HEALTHCHECK through deploy/probe.mjs.
// The image itself is not built here: public base images cannot be pulled in CI.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { parseAllDocuments } from 'yaml';

const root = new URL('..', import.meta.url).pathname;
const manifestsDir = join(root, 'deploy/kubernetes');
const problems = [];
const fail = (where, message) => problems.push(`${where}: ${message}`);

/** RpcServer's default stopGraceMs (drain) plus gossip's default leaveTimeoutMs, in seconds. */
const DRAIN_PLUS_LEAVE_SECONDS = 5 + 2;

async function modelOf(apiVersion, kind) {
  const path = apiVersion.includes('/') ? `${apiVersion}/${kind}` : `v1/${kind}`;
  return (await import(`kubernetes-models/${path}`))[kind];
}

const objects = [];
for (const file of readdirSync(manifestsDir)
  .filter((name) => name.endsWith('.yaml'))
  .sort()) {
  for (const document of parseAllDocuments(readFileSync(join(manifestsDir, file), 'utf8'))) {
    if (document.errors.length > 0) fail(file, `YAML: ${document.errors[0].message}`);
    const object = document.toJS();
    if (object === null) continue;
    const where = `${file} ${object.kind}/${object.metadata?.name}`;
    objects.push({ where, object });
    try {
      const Model = await modelOf(object.apiVersion, object.kind);
      new Model(object).validate();
    } catch (error) {
      fail(where, `schema: ${error.message}`);
    }
  }
}

const ofKind = (kind) => objects.filter(({ object }) => object.kind === kind);
for (const { where, object } of ofKind('Service')) {
  if (object.spec.clusterIP !== 'None') fail(where, 'must be headless (clusterIP: None)');
  if (object.spec.publishNotReadyAddresses !== true) {
    fail(where, 'must publish not-ready addresses (members find each other before readiness)');
  }
}
const deployments = ofKind('Deployment');
if (deployments.length === 0) fail('deploy/kubernetes', 'no Deployment');
for (const { where, object } of deployments) {
  const pod = object.spec.template.spec;
  const labels = object.spec.template.metadata.labels ?? {};
  if (!(pod.terminationGracePeriodSeconds > DRAIN_PLUS_LEAVE_SECONDS)) {
    fail(
      where,
      `terminationGracePeriodSeconds must exceed drain + leave (${DRAIN_PLUS_LEAVE_SECONDS} s)`,
    );
  }
  if (pod.securityContext?.runAsNonRoot !== true) fail(where, 'must run as non-root');
  if (labels['rpcnet/member'] !== 'true') fail(where, 'pods must carry rpcnet/member=true');
  for (const container of pod.containers) {
    const env = Object.fromEntries((container.env ?? []).map((entry) => [entry.name, entry]));
    if (env.RPCNET_ADVERTISE_ADDR?.valueFrom?.fieldRef?.fieldPath !== 'status.podIP') {
      fail(where, 'RPCNET_ADVERTISE_ADDR must come from status.podIP');
    }
    if (env.RPCNET_GOSSIP_SECRET?.valueFrom?.secretKeyRef === undefined) {
      fail(where, 'RPCNET_GOSSIP_SECRET must come from a Secret');
    }
    // Readiness must reflect membership and health: the management endpoint's /readyz, which
    // must listen beyond loopback (the kubelet probes the pod IP) at the probed port.
    const ready = container.readinessProbe?.httpGet;
    if (ready?.path !== '/readyz') fail(where, 'readinessProbe must be an httpGet of /readyz');
    if (container.livenessProbe?.httpGet?.path !== '/livez') {
      fail(where, 'livenessProbe must be an httpGet of /livez');
    }
    const probedPort =
      typeof ready?.port === 'string'
        ? container.ports?.find((port) => port.name === ready.port)?.containerPort
        : ready?.port;
    const management = env.MANAGEMENT_ADDR ?? env.WORKER_MANAGEMENT_ADDR;
    if (probedPort === undefined || management?.value !== `0.0.0.0:${probedPort}`) {
      fail(where, `the management endpoint must listen on 0.0.0.0:${probedPort} (the probed port)`);
    }
  }
  const selector = object.spec.selector.matchLabels;
  const matches = (other) =>
    Object.entries(other.spec.selector?.matchLabels ?? {}).every(([k, v]) => selector[k] === v);
  if (object.spec.replicas > 1 && !ofKind('PodDisruptionBudget').some((p) => matches(p.object))) {
    fail(where, 'a replicated Deployment needs a PodDisruptionBudget');
  }
}
const policies = ofKind('NetworkPolicy');
if (
  !policies.some(({ object }) => object.spec.podSelector.matchLabels?.['rpcnet/member'] === 'true')
) {
  fail('deploy/kubernetes', 'no NetworkPolicy for rpcnet/member pods');
}

const dockerfile = readFileSync(join(root, 'deploy/Dockerfile'), 'utf8');
for (const diagnostic of lintDockerfile(dockerfile)) {
  fail(`deploy/Dockerfile:${diagnostic.range.start.line + 1}`, diagnostic.message);
}
// A stage's base may be an ARG (deploy/build-image.sh swaps in a local base); its default counts.
const argDefaults = Object.fromEntries(
  [...dockerfile.matchAll(/^ARG\s+(\w+)=(\S+)$/gm)].map(([, name, value]) => [name, value]),
);
const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map(([, image]) =>
  image.replace(/^\$\{?(\w+)\}?$/, (whole, name) => argDefaults[name] ?? whole),
);
if (froms.length < 2) fail('deploy/Dockerfile', 'must be multi-stage');
if (!froms.every((image) => /^node:24[-.\w]*$/.test(image))) {
  fail('deploy/Dockerfile', 'every stage must be based on node:24');
}
const lastUser = dockerfile.match(/^USER\s+(\S+)/gm)?.at(-1);
if (lastUser === undefined || /\b(root|0)$/.test(lastUser))
  fail('deploy/Dockerfile', 'must end as a non-root USER');
if (!/^HEALTHCHECK\b[^\n]*(?:\\\n[^\n]*)*deploy\/probe\.mjs/m.test(dockerfile)) {
  fail('deploy/Dockerfile', 'needs a HEALTHCHECK running deploy/probe.mjs (readiness)');
}

if (problems.length > 0) {
  console.error(
    `deploy: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}`,
  );
  process.exit(1);
}
console.log(
  `deploy: ${objects.length} Kubernetes objects valid (kubernetes-models schemas, Kubernetes 1.27), Dockerfile lint clean`,
);
