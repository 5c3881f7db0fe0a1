import { runCommand, tryCommand } from './command.js';
import { namespaceName } from './names.js';

/** Whether one facility works here, and why not when it does not. */
export interface Capability {
  readonly available: boolean;
  /** What was tried and what the system answered. */
  readonly detail: string;
}

/** What this machine allows the namespace fault suite to do, measured by trying it. */
export interface NetnsCapabilities {
  /** Root, `ip netns add`, veth pairs and a bridge inside a namespace. */
  readonly namespaces: Capability;
  /** nftables with `numgen random` drops inside a namespace (packet loss and partitions). */
  readonly nftables: Capability;
  /** `tc qdisc ... netem` (fixed delay and jitter). */
  readonly netem: Capability;
  /** `tc qdisc ... tbf` (rate limiting, hence queueing delay under congestion). */
  readonly tbf: Capability;
}

const unavailable = (detail: string): Capability => ({ available: false, detail });

/**
 * Probes the machine by doing what the suite does in a throwaway namespace (removed before
 * returning). Synchronous, so a test file can decide at collection time what to run.
 */
export function probeNetnsCapabilities(): NetnsCapabilities {
  if (process.platform !== 'linux') {
    const no = unavailable(`network namespaces need Linux (this is ${process.platform})`);
    return { namespaces: no, nftables: no, netem: no, tbf: no };
  }
  if (process.getuid?.() !== 0) {
    const no = unavailable('network namespaces need root (uid 0); this process is not root');
    return { namespaces: no, nftables: no, netem: no, tbf: no };
  }
  const probe = namespaceName('probe');
  const created = tryCommand('ip', ['netns', 'add', probe]);
  if (!created.ok) {
    const no = unavailable(`\`ip netns add\` refused: ${created.reason}`);
    return { namespaces: no, nftables: no, netem: no, tbf: no };
  }
  try {
    const links = [
      ['link', 'add', 'pa', 'type', 'veth', 'peer', 'name', 'pb'],
      ['link', 'add', 'pbr', 'type', 'bridge'],
      ['link', 'set', 'pa', 'up'],
    ].map((args) => tryCommand('ip', ['-n', probe, ...args]));
    const failedLink = links.find((result) => !result.ok);
    const namespaces: Capability =
      failedLink === undefined || failedLink.ok
        ? { available: true, detail: 'ip netns add, veth pair and bridge work' }
        : unavailable(`veth/bridge setup refused: ${failedLink.reason}`);
    if (!namespaces.available) {
      const no = unavailable('namespaces unavailable');
      return { namespaces, nftables: no, netem: no, tbf: no };
    }
    const nft = tryCommand(
      'ip',
      ['netns', 'exec', probe, 'nft', '-f', '-'],
      'table inet probe {\n  chain input {\n    type filter hook input priority 0; policy accept;\n' +
        '    numgen random mod 100 < 10 drop\n    ip saddr { 198.51.100.1 } drop\n  }\n}\n',
    );
    const nftables: Capability = nft.ok
      ? { available: true, detail: 'nft numgen-random and address-set drops work in a namespace' }
      : unavailable(`nftables rules refused (install nftables): ${nft.reason}`);
    const netemResult = tryCommand('tc', [
      '-n',
      probe,
      'qdisc',
      'add',
      'dev',
      'pa',
      'root',
      'netem',
      'delay',
      '10ms',
      '5ms',
    ]);
    const netem: Capability = netemResult.ok
      ? { available: true, detail: 'tc netem delay/jitter works' }
      : unavailable(
          `tc netem refused (kernel without sch_netem, or tc missing): ${netemResult.reason}`,
        );
    tryCommand('tc', ['-n', probe, 'qdisc', 'del', 'dev', 'pa', 'root']);
    const tbfResult = tryCommand('tc', [
      '-n',
      probe,
      'qdisc',
      'add',
      'dev',
      'pa',
      'root',
      'tbf',
      'rate',
      '1mbit',
      'burst',
      '4kb',
      'latency',
      '100ms',
    ]);
    const tbf: Capability = tbfResult.ok
      ? { available: true, detail: 'tc tbf rate limiting works' }
      : unavailable(`tc tbf refused: ${tbfResult.reason}`);
    return { namespaces, nftables, netem, tbf };
  } finally {
    runCommand('ip', ['netns', 'del', probe]);
  }
}

/** A multi-line banner describing `capabilities`, for the test log. */
export function describeCapabilities(capabilities: NetnsCapabilities): string {
  const line = (name: string, capability: Capability) =>
    `  ${capability.available ? 'YES' : 'NO '}  ${name.padEnd(11)} ${capability.detail}`;
  return [
    'netns fault suite, capabilities of this machine:',
    line('namespaces', capabilities.namespaces),
    line('nftables', capabilities.nftables),
    line('tc netem', capabilities.netem),
    line('tc tbf', capabilities.tbf),
  ].join('\n');
}
