import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { GossipMetricsSnapshot } from '@rpcnet/gossip';
import type { ClusterEventType, NodeState } from 'rpcnet';
import type { LabHost, NetnsLab } from './netns-lab.js';

/** The RPC side of a member: a worker serving `echo`, or a caller using a ClusterClient. */
export type MemberRpcSpec =
  | {
      readonly role: 'worker';
      readonly port: number;
      readonly certPem: string;
      readonly keyPem: string;
    }
  | { readonly role: 'caller'; readonly caPem: string };

/** What `member-process.mjs` is started with. */
export interface MemberSpec {
  readonly name: string;
  readonly address: string;
  /** Gossip UDP port. */
  readonly port: number;
  /** Addresses `join()` goes through (empty for the first member; workers join via seeds). */
  readonly joinThrough: readonly string[];
  /** `config.seedNodes`: re-contacted by the member to heal partitions. */
  readonly seedNodes: readonly string[];
  /** Overrides of the `localClusterConfig()` preset. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Absent: a gossip-only member. */
  readonly rpc?: MemberRpcSpec;
  /** Seeds from a DNS server (at `server`, `host:port`): A records of `name` at `port`, or SRV. */
  readonly discovery?:
    | {
        readonly kind: 'dns';
        readonly name: string;
        readonly port: number;
        readonly server: string;
      }
    | { readonly kind: 'dns-srv'; readonly name: string; readonly server: string };
  /** Load, report `loaded`, and start the member only on {@link MemberHandle.begin}. */
  readonly awaitStart?: boolean;
}

/** One membership event as the child reported it (ids only), with the wall-clock time. */
export interface ObservedEvent {
  readonly at: number;
  readonly type: ClusterEventType;
  /** The member the event is about (node events). */
  readonly node?: string;
  readonly reachable?: readonly string[];
  readonly unreachable?: readonly string[];
  readonly rejoined?: readonly string[];
}

/** How a batch of calls from a caller ended. */
export interface CallTally {
  readonly ok: number;
  /** Failed calls by RpcError code (`untyped` for anything else). */
  readonly failed: Readonly<Record<string, number>>;
  /** Calls that neither answered nor failed within their deadline plus 2 s. */
  readonly vanished: number;
  readonly slowestMs: number;
  /** Successful calls by the worker id that served them. */
  readonly byWorker: Readonly<Record<string, number>>;
  /**
   * Worker id -> start time (ms since the epoch) of the latest call with an attempt at it
   * (served, failed, failed over to or hedged to).
   */
  readonly routedTo: Readonly<Record<string, number>>;
}

/** One line the child writes. */
type ChildLine =
  | { readonly type: 'loaded'; readonly at: number }
  | { readonly type: 'ready'; readonly at: number; readonly id: string }
  | { readonly type: 'event'; readonly at: number; readonly event: Omit<ObservedEvent, 'at'> }
  | {
      readonly type: 'view';
      readonly at: number;
      readonly members: ReadonlyArray<{ readonly id: string; readonly state: NodeState }>;
    }
  | { readonly type: 'metrics'; readonly at: number; readonly metrics: GossipMetricsSnapshot }
  | { readonly type: 'calls'; readonly at: number; readonly tally: CallTally }
  | { readonly type: 'error'; readonly at: number; readonly error: string };

/** A request waiting for the child's answer line. */
interface Pending<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (error: Error) => void;
}

const script = fileURLToPath(new URL('./member-process.mjs', import.meta.url));

/**
 * A cluster member running as a child process inside a lab host's namespace (`ip netns exec`).
 * Keeps every membership event it reported and its latest membership view.
 */
export class MemberHandle {
  /** Resolves with the member id once it has joined. */
  readonly ready: Promise<string>;
  /** With `awaitStart`: resolves once the process is loaded and waits for {@link begin}. */
  readonly loaded: Promise<void>;
  readonly events: ObservedEvent[] = [];
  /** Member id -> state, as this member last reported it (itself included). */
  view: ReadonlyMap<string, NodeState> = new Map();
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #metrics: Array<Pending<GossipMetricsSnapshot>> = [];
  readonly #calls: Array<Pending<CallTally>> = [];
  #id: string | undefined;

  private constructor(
    lab: NetnsLab,
    readonly host: LabHost,
    readonly spec: MemberSpec,
    timeoutMs: number,
  ) {
    this.#child = lab.spawnNode(host, script, JSON.stringify(spec));
    this.#exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
    // A write racing the child's exit must not crash the test process (EPIPE).
    this.#child.stdin?.on('error', () => undefined);
    let loaded: () => void = () => undefined;
    this.loaded = new Promise<void>((resolve) => {
      loaded = resolve;
    });
    this.ready = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${spec.name} did not join within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const error = new Error(`${spec.name} exited (code ${code}, signal ${signal})`);
        reject(error);
        for (const pending of [...this.#metrics.splice(0), ...this.#calls.splice(0)]) {
          pending.reject(error);
        }
      });
      createInterface({ input: this.#child.stdout! }).on('line', (text) => {
        const line = JSON.parse(text) as ChildLine;
        switch (line.type) {
          case 'loaded':
            loaded();
            break;
          case 'ready':
            this.#id = line.id;
            clearTimeout(timer);
            resolve(line.id);
            break;
          case 'event':
            this.events.push({ at: line.at, ...line.event });
            break;
          case 'view':
            this.view = new Map(line.members.map((member) => [member.id, member.state]));
            break;
          case 'metrics':
            this.#metrics.shift()?.resolve(line.metrics);
            break;
          case 'calls':
            this.#calls.shift()?.resolve(line.tally);
            break;
          case 'error': {
            clearTimeout(timer);
            const error = new Error(`${spec.name} failed: ${line.error}`);
            if (this.#id === undefined) reject(error);
            else this.#calls.shift()?.reject(error);
            break;
          }
        }
      });
    });
    this.ready.catch(() => undefined);
  }

  /** Starts the member in `host`'s namespace of `lab`; await `ready`. */
  static start(lab: NetnsLab, host: LabHost, spec: MemberSpec, timeoutMs = 30_000): MemberHandle {
    return new MemberHandle(lab, host, spec, timeoutMs);
  }

  /** The member id (after `ready`). */
  get id(): string {
    if (this.#id === undefined) throw new Error(`${this.spec.name} has not joined yet`);
    return this.#id;
  }

  /** Events of `type` reported at or after `since` (ms since the epoch). */
  eventsOf(type: ClusterEventType, since = 0): ObservedEvent[] {
    return this.events.filter((event) => event.type === type && event.at >= since);
  }

  /** Asks the member for its gossip metrics. */
  metrics(timeoutMs = 5000): Promise<GossipMetricsSnapshot> {
    return this.#request(this.#metrics, { cmd: 'metrics' }, timeoutMs);
  }

  /** Has a caller member run `count` echo calls to the workers and tally how they ended. */
  call(count: number, concurrency: number, callTimeoutMs: number): Promise<CallTally> {
    const bound = Math.ceil(count / concurrency) * (callTimeoutMs + 2000) + 10_000;
    return this.#request(
      this.#calls,
      { cmd: 'call', count, concurrency, timeoutMs: callTimeoutMs },
      bound,
    );
  }

  /**
   * Has a caller member call the workers, `concurrency` lanes each pausing `pauseMs` between
   * calls, until {@link stopCalling}; resolves with the tally then (rejects after `boundMs`).
   */
  callUntilStopped(
    concurrency: number,
    callTimeoutMs: number,
    pauseMs: number,
    boundMs: number,
  ): Promise<CallTally> {
    return this.#request(
      this.#calls,
      { cmd: 'call', count: null, concurrency, timeoutMs: callTimeoutMs, pauseMs },
      boundMs,
    );
  }

  /** Ends a {@link callUntilStopped} batch: no new calls start, running ones finish. */
  stopCalling(): void {
    this.#child.stdin?.write(`${JSON.stringify({ cmd: 'call-stop' })}\n`);
  }

  #request<T>(
    queue: Array<Pending<T>>,
    command: Readonly<Record<string, unknown>>,
    timeoutMs: number,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending: Pending<T> = {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        // Forget it, so a late answer is not taken for the next request's.
        queue.splice(queue.indexOf(pending), 1);
        reject(new Error(`${this.spec.name}: no answer to ${command.cmd} in ${timeoutMs} ms`));
      }, timeoutMs);
      queue.push(pending);
      this.#child.stdin?.write(`${JSON.stringify(command)}\n`);
    });
  }

  /** Stops the member's process (SIGSTOP): alive, silent, its timers and sockets frozen. */
  freeze(): void {
    this.#child.kill('SIGSTOP');
  }

  /** Lets a frozen member run again (SIGCONT). */
  thaw(): void {
    this.#child.kill('SIGCONT');
  }

  /** Starts a member spawned with `awaitStart` (after {@link loaded}). */
  begin(): void {
    this.#child.stdin?.write(`${JSON.stringify({ cmd: 'start' })}\n`);
  }

  /** Kills the member's process (SIGKILL): a crash, no leave; resolves once it exited. */
  async kill(): Promise<void> {
    this.#child.kill('SIGKILL');
    await this.#exited;
  }

  /** Stops the member (a worker drains first), SIGKILLing it after `timeoutMs`. */
  async stop(timeoutMs = 5000): Promise<void> {
    this.thaw();
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.stdin?.end(`${JSON.stringify({ cmd: 'stop' })}\n`);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    await this.#exited;
    clearTimeout(timer);
  }
}
