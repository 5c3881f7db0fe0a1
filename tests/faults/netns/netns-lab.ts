import { type ChildProcess, spawn } from 'node:child_process';
import { runCommand, systemToolEnv, tryCommand } from './command.js';
import { NAMESPACE_PREFIX, namespaceName, ownerPid } from './names.js';

/** One simulated host: a namespace with `eth0` on the lab bridge. */
export interface LabHost {
  readonly index: number;
  /** Short name, e.g. `n0`. */
  readonly name: string;
  readonly namespace: string;
  /** IPv4 address of its `eth0` (TEST-NET-2, 198.51.100.0/24, only inside the lab). */
  readonly address: string;
}

/** Faults applied at one host's `eth0` with nftables. */
export interface HostFaults {
  /** Share of incoming packets dropped at random, 0..100. */
  readonly lossPercent?: number;
  /** Addresses this host neither receives from nor sends to (a partition). */
  readonly blocked?: readonly string[];
}

const SUBNET = '198.51.100';
const FIRST_HOST = 11;
/** The hub's own address on the bridge, where lab services (a DNS server) listen. */
const HUB_ADDRESS = `${SUBNET}.2`;
const FAULT_TABLE = 'rpcnet_fault';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Names of the network namespaces that exist now (`ip netns list`). */
export function listNamespaces(): string[] {
  return runCommand('ip', ['netns', 'list'])
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name !== '');
}

/** SIGKILLs the processes still inside `namespace` (children of this harness only). */
function killProcessesIn(namespace: string): void {
  let listed: string;
  try {
    listed = runCommand('ip', ['netns', 'pids', namespace]);
  } catch {
    return;
  }
  const pids = listed
    .split('\n')
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * A small network of "hosts": N network namespaces whose `eth0` veth links meet on a bridge in a
 * hub namespace. Nothing is configured in the caller's own namespace. Faults (loss, partitions,
 * delay, rate limits) are injected per host with nftables and tc; `destroy()` removes it all.
 */
export class NetnsLab {
  readonly hosts: readonly LabHost[];
  /** Where the hub answers on the bridge: lab services run there, untouched by host faults. */
  readonly hubAddress = HUB_ADDRESS;
  readonly #hub: string;
  readonly #onExit = () => this.destroy();
  #destroyed = false;

  private constructor(hostCount: number) {
    this.#hub = namespaceName('hub');
    this.hosts = Array.from({ length: hostCount }, (_, index) => ({
      index,
      name: `n${index}`,
      namespace: namespaceName(`n${index}`),
      address: `${SUBNET}.${FIRST_HOST + index}`,
    }));
  }

  /**
   * Removes namespaces left by harness runs whose process is gone (a crashed run), killing what
   * still runs in them. Namespaces of live runs are left alone. Returns the names removed.
   */
  static removeStale(): string[] {
    const stale = listNamespaces().filter((name) => {
      const pid = ownerPid(name);
      return pid !== undefined && name.startsWith(NAMESPACE_PREFIX) && !isAlive(pid);
    });
    for (const name of stale) {
      killProcessesIn(name);
      tryCommand('ip', ['netns', 'del', name]);
    }
    return stale;
  }

  /** Builds the hub and `hostCount` hosts; on any failure removes what it made and rethrows. */
  static create(hostCount: number): NetnsLab {
    const lab = new NetnsLab(hostCount);
    process.once('exit', lab.#onExit);
    try {
      lab.#build();
    } catch (error) {
      lab.destroy();
      throw error;
    }
    return lab;
  }

  #build(): void {
    const hub = this.#hub;
    runCommand('ip', ['netns', 'add', hub]);
    runCommand('ip', ['-n', hub, 'link', 'set', 'lo', 'up']);
    runCommand('ip', ['-n', hub, 'link', 'add', 'br0', 'type', 'bridge']);
    runCommand('ip', ['-n', hub, 'addr', 'add', `${HUB_ADDRESS}/24`, 'dev', 'br0']);
    runCommand('ip', ['-n', hub, 'link', 'set', 'br0', 'up']);
    for (const host of this.hosts) {
      runCommand('ip', ['netns', 'add', host.namespace]);
      runCommand('ip', ['-n', host.namespace, 'link', 'set', 'lo', 'up']);
      // The hub end is named after the host; the host end is eth0 inside its own namespace.
      runCommand('ip', [
        '-n',
        hub,
        'link',
        'add',
        host.name,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        host.namespace,
      ]);
      runCommand('ip', ['-n', hub, 'link', 'set', host.name, 'master', 'br0']);
      runCommand('ip', ['-n', hub, 'link', 'set', host.name, 'up']);
      runCommand('ip', ['-n', host.namespace, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0']);
      runCommand('ip', ['-n', host.namespace, 'link', 'set', 'eth0', 'up']);
      this.setFaults(host, {});
    }
  }

  /** Replaces the nftables faults of `host` (atomically: one `nft -f` transaction). */
  setFaults(host: LabHost, faults: HostFaults): void {
    const loss = faults.lossPercent ?? 0;
    if (!Number.isInteger(loss) || loss < 0 || loss > 100) {
      throw new RangeError(`lossPercent must be an integer 0..100, got ${loss}`);
    }
    const blocked = faults.blocked ?? [];
    const input: string[] = [];
    const output: string[] = [];
    if (loss > 0) input.push(`iifname "eth0" numgen random mod 100 < ${loss} drop`);
    if (blocked.length > 0) {
      const set = `{ ${blocked.join(', ')} }`;
      input.push(`ip saddr ${set} drop`);
      output.push(`ip daddr ${set} drop`);
    }
    const chain = (name: string, rules: string[]) =>
      `  chain ${name} {\n    type filter hook ${name} priority 0; policy accept;\n` +
      rules.map((rule) => `    ${rule}\n`).join('') +
      '  }\n';
    const script =
      `add table inet ${FAULT_TABLE}\ndelete table inet ${FAULT_TABLE}\n` +
      `table inet ${FAULT_TABLE} {\n${chain('input', input)}${chain('output', output)}}\n`;
    runCommand('ip', ['netns', 'exec', host.namespace, 'nft', '-f', '-'], script);
  }

  /** Drops `percent`% of the packets arriving at every host. */
  setLoss(percent: number): void {
    for (const host of this.hosts) this.setFaults(host, { lossPercent: percent });
  }

  /** Splits the hosts into `groups` (by index): no packet crosses between groups. */
  partition(groups: readonly (readonly number[])[]): void {
    for (const host of this.hosts) {
      const own = groups.find((group) => group.includes(host.index)) ?? [host.index];
      const blocked = this.hosts.filter((other) => !own.includes(other.index));
      this.setFaults(host, { blocked: blocked.map((other) => other.address) });
    }
  }

  /** Delays every packet a host sends by `delayMs` ± `jitterMs` (tc netem on its eth0). */
  setDelay(delayMs: number, jitterMs: number): void {
    for (const host of this.hosts) {
      runCommand('tc', [
        '-n',
        host.namespace,
        'qdisc',
        'replace',
        'dev',
        'eth0',
        'root',
        'netem',
        'delay',
        `${delayMs}ms`,
        `${jitterMs}ms`,
        'distribution',
        'normal',
      ]);
    }
  }

  /** Limits what `host` can send to `rateKbit` (tc tbf), queueing up to `latencyMs` of backlog. */
  setRateLimit(host: LabHost, rateKbit: number, latencyMs: number): void {
    runCommand('tc', [
      '-n',
      host.namespace,
      'qdisc',
      'replace',
      'dev',
      'eth0',
      'root',
      'tbf',
      'rate',
      `${rateKbit}kbit`,
      'burst',
      '3000',
      'latency',
      `${latencyMs}ms`,
    ]);
  }

  /** What the tc qdisc on `host`'s eth0 reports: bytes queued now and packets dropped so far. */
  queueStats(host: LabHost): { readonly backlogBytes: number; readonly dropped: number } {
    const text = runCommand('tc', ['-s', '-n', host.namespace, 'qdisc', 'show', 'dev', 'eth0']);
    return {
      backlogBytes: Number(/backlog (\d+)b/.exec(text)?.[1] ?? 0),
      dropped: Number(/dropped (\d+)/.exec(text)?.[1] ?? 0),
    };
  }

  /** Runs `node script argument` inside `host`'s namespace, stdin and stdout piped. */
  spawnNode(host: LabHost, script: string, argument: string): ChildProcess {
    return spawn('ip', ['netns', 'exec', host.namespace, process.execPath, script, argument], {
      env: systemToolEnv(),
      stdio: ['pipe', 'pipe', 'inherit'],
    });
  }

  /** Runs `file args` inside the hub's namespace (a lab service at {@link hubAddress}). */
  spawnInHub(file: string, args: readonly string[]): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.#hub, file, ...args], {
      env: systemToolEnv(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }

  /** Whether a process in the hub listens on UDP `port` at {@link hubAddress} (`ss`). */
  hubListensOnUdp(port: number): boolean {
    const listed = runCommand('ip', [
      'netns',
      'exec',
      this.#hub,
      'ss',
      '-H',
      '-u',
      '-l',
      '-n',
      `src ${HUB_ADDRESS} and sport = :${port}`,
    ]);
    return listed.trim() !== '';
  }

  /** Removes every fault: nftables rules and tc qdiscs on all hosts. */
  clearFaults(): void {
    for (const host of this.hosts) {
      this.setFaults(host, {});
      // Fails harmlessly when no qdisc was added (the default one cannot be deleted).
      tryCommand('tc', ['-n', host.namespace, 'qdisc', 'del', 'dev', 'eth0', 'root']);
    }
  }

  /** Kills anything left inside and deletes every namespace of the lab; idempotent. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    process.off('exit', this.#onExit);
    for (const namespace of [...this.hosts.map((host) => host.namespace), this.#hub]) {
      killProcessesIn(namespace);
      tryCommand('ip', ['netns', 'del', namespace]);
    }
  }
}
