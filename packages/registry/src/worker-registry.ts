import { EventListeners, type Unsubscribe } from '@rpcnet/base';
import type { ClusterEvent, ClusterNode, NodeId, NodeTags } from '@rpcnet/gossip';
import { NodeState } from '@rpcnet/gossip';
import type { CandidateSet } from './candidate-set.js';
import { InvalidFilterError, NoWorkersAvailableError, RegistryConfigError } from './errors.js';
import type { WorkerEvent, WorkerEventOf, WorkerEventType, WorkerRemovalReason } from './events.js';
import {
  MATCH_ALL,
  type NormalizedFilter,
  normalizeFilter,
  tagsMatch,
  type WorkerFilter,
} from './filter.js';
import { FilterCache } from './filter-cache.js';
import { EntryLease } from './lease.js';
import { HEALTHY_TAG, type MembershipSource } from './membership.js';
import {
  type ResolvedRegistryOptions,
  resolveRegistryOptions,
  type WorkerRegistryOptions,
} from './registry-config.js';
import type { WorkerSelectionStats } from './selection-stats.js';
import type { LoadBalancingStrategy } from './strategy.js';
import type { CallOutcome, Worker, WorkerLease } from './worker.js';
import { WorkerEntry } from './worker-entry.js';

/** Per-call options of {@link WorkerRegistry.selectWorker}. */
export interface SelectOptions {
  /** Workers not to choose, e.g. those a failing call already tried. */
  readonly exclude?: ReadonlySet<NodeId> | undefined;
}

/** Options of {@link WorkerRegistry.withWorker}. */
export interface WithWorkerOptions extends SelectOptions {
  /** When aborted, a failure of the call is released as a cancellation, not a worker failure. */
  readonly signal?: AbortSignal | undefined;
}

type Verdict =
  | { readonly worker: true; readonly rpcAddress: string }
  | { readonly worker: false; readonly reason: WorkerRemovalReason };

const NO_EXCLUSIONS: ReadonlySet<NodeId> = new Set();

function sameTags(a: NodeTags, b: NodeTags): boolean {
  if (a === b) {
    return true;
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) {
    return false;
  }
  return keys.every((key) => a[key] === b[key]);
}

function withoutExcluded(
  workers: readonly WorkerEntry[],
  exclude: ReadonlySet<NodeId>,
): readonly WorkerEntry[] {
  return workers.filter((worker) => !exclude.has(worker.id));
}

/**
 * Follows cluster membership and keeps the set of workers: members serving RPC that are alive or
 * suspect, healthy, and match `workerFilter`. Selects a worker per call through a
 * {@link LoadBalancingStrategy} and counts calls in flight exactly through leases.
 */
export class WorkerRegistry {
  private readonly options: ResolvedRegistryOptions;
  private readonly baseFilter: NormalizedFilter;
  private readonly entries = new Map<NodeId, WorkerEntry>();
  /** Workers that left while calls were still running on them; kept until those calls end. */
  private readonly retired = new Map<NodeId, WorkerEntry>();
  private readonly filters: FilterCache;
  // A throwing listener is logged and never stops delivery to the others.
  private readonly events = new EventListeners<WorkerEvent>((error, event) =>
    this.options.logger.error('registry: event listener threw', {
      event: event.type,
      error: String(error),
    }),
  );
  private readonly selected = { alive: 0, suspect: 0, none: 0 };
  private unsubscribe: (() => void) | undefined;

  /** Throws `RegistryConfigError` naming the field when an option is invalid. */
  constructor(
    private readonly membership: MembershipSource,
    private readonly strategy: LoadBalancingStrategy,
    options: WorkerRegistryOptions = {},
  ) {
    this.options = resolveRegistryOptions(options);
    this.filters = new FilterCache(this.options.maxCachedFilters);
    try {
      this.baseFilter = normalizeFilter(this.options.workerFilter);
    } catch (error) {
      if (error instanceof InvalidFilterError) {
        throw new RegistryConfigError('workerFilter', error.reason);
      }
      throw error;
    }
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this.unsubscribe !== undefined;
  }

  /** Number of workers currently known (alive or suspect, healthy, matching). */
  get size(): number {
    return this.entries.size;
  }

  /** Subscribes to membership and loads the current members. Idempotent. */
  start(): void {
    if (this.unsubscribe !== undefined) {
      return;
    }
    this.unsubscribe = this.membership.onEvent((event) => this.handleClusterEvent(event));
    this.resync();
  }

  /** Unsubscribes and forgets every worker (each reported as removed, reason `stopped`). Idempotent. */
  stop(): void {
    if (this.unsubscribe === undefined) {
      return;
    }
    this.unsubscribe();
    this.unsubscribe = undefined;
    for (const entry of [...this.entries.values()]) {
      this.remove(entry, 'stopped');
    }
    this.retired.clear();
  }

  /** Snapshots of the workers matching `filter` (all when omitted), alive ones first. */
  workers(filter?: WorkerFilter): readonly Worker[] {
    const set = this.candidatesFor(filter);
    return [...set.alive, ...set.suspect].map((entry) => entry.snapshot());
  }

  /** How many selections chose an alive worker, a suspect one, or none. */
  selectionStats(): WorkerSelectionStats {
    return { strategy: this.strategy.name, ...this.selected };
  }

  /** Snapshot of one worker, or `undefined` when it is not (or no longer) a worker. */
  getWorker(id: NodeId): Worker | undefined {
    return this.entries.get(id)?.snapshot();
  }

  /**
   * Chooses a worker for one call and acquires it: the returned lease counts the call in flight
   * until `lease.release()`. Alive workers are preferred; suspects are used only when no alive one
   * matches. Throws `NoWorkersAvailableError` when nothing matches, `InvalidFilterError` on a
   * malformed filter.
   */
  selectWorker(filter?: WorkerFilter, options: SelectOptions = {}): WorkerLease {
    const set = this.candidatesFor(filter);
    const exclude = options.exclude ?? NO_EXCLUSIONS;
    let pool = set.alive;
    if (this.excludesAnyWorker(exclude)) {
      pool = withoutExcluded(set.alive, exclude);
      if (pool.length === 0) {
        pool = withoutExcluded(set.suspect, exclude);
      }
    } else if (pool.length === 0) {
      pool = set.suspect;
    }
    if (pool.length === 0) {
      this.selected.none += 1;
      throw this.noWorkers(set, exclude.size);
    }
    const chosen = this.strategy.pick(pool, { filterKey: set.filter.key });
    const entry = chosen instanceof WorkerEntry ? chosen : this.entries.get(chosen?.id ?? '');
    if (entry === undefined || !entry.active) {
      this.selected.none += 1;
      throw this.noWorkers(set, exclude.size, `strategy ${this.strategy.name} chose no worker`);
    }
    if (entry.state === NodeState.Alive) this.selected.alive += 1;
    else this.selected.suspect += 1;
    entry.inFlight += 1;
    return new EntryLease(entry, this.options.clock, this.settle);
  }

  /**
   * Runs `call` on a selected worker and releases the lease when it settles: as a success, as a
   * failure when it throws, or as a cancellation when it throws after `signal` aborted.
   */
  async withWorker<T>(
    filter: WorkerFilter | undefined,
    call: (worker: Worker) => Promise<T>,
    options: WithWorkerOptions = {},
  ): Promise<T> {
    const lease = this.selectWorker(filter, options);
    try {
      const result = await call(lease.worker);
      lease.release();
      return result;
    } catch (error) {
      lease.release(options.signal?.aborted ? { cancelled: true } : { failed: true });
      throw error;
    }
  }

  /** Subscribes to every registry event; returns the unsubscribe function. */
  onEvent(listener: (event: WorkerEvent) => void): Unsubscribe {
    return this.events.onEvent(listener);
  }

  /** Subscribes to one event type; returns the unsubscribe function. */
  on<T extends WorkerEventType>(type: T, listener: (event: WorkerEventOf<T>) => void): Unsubscribe {
    return this.events.on(type, listener);
  }

  private readonly settle = (entry: WorkerEntry, lease: EntryLease, outcome: CallOutcome): void => {
    entry.inFlight = Math.max(0, entry.inFlight - 1);
    if (!entry.active && entry.inFlight === 0 && this.retired.get(entry.id) === entry) {
      this.retired.delete(entry.id);
    }
    if (outcome.cancelled) {
      return;
    }
    const measured =
      outcome.latencyMs !== undefined && Number.isFinite(outcome.latencyMs)
        ? outcome.latencyMs
        : lease.heldMs();
    if (outcome.failed) {
      entry.latency.failures += 1;
      entry.latency.record(Math.max(measured, this.options.failurePenaltyMs));
    } else {
      entry.latency.record(measured);
    }
  };

  /** Only exclusions naming current workers cost a pass over the candidates. */
  private excludesAnyWorker(exclude: ReadonlySet<NodeId>): boolean {
    for (const id of exclude) {
      if (this.entries.has(id)) {
        return true;
      }
    }
    return false;
  }

  private noWorkers(set: CandidateSet, excluded: number, detail?: string): NoWorkersAvailableError {
    const reason = detail ?? (this.running ? undefined : 'the registry is not running');
    return new NoWorkersAvailableError(set.filter.key, excluded, reason);
  }

  private candidatesFor(filter: WorkerFilter | undefined): CandidateSet {
    const set = this.filters.setFor(filter);
    if (this.filters.stale(set)) this.rebuild(set);
    return set;
  }

  private rebuild(set: CandidateSet): void {
    const alive: WorkerEntry[] = [];
    const suspect: WorkerEntry[] = [];
    const place = (entry: WorkerEntry): void => {
      (entry.state === NodeState.Alive ? alive : suspect).push(entry);
    };
    const filter = set.filter;
    if (filter.kind === 'predicate') {
      for (const entry of this.entries.values()) {
        if (filter.predicate(entry.node)) {
          place(entry);
        }
      }
    } else if (filter.key === MATCH_ALL.key) {
      for (const entry of this.entries.values()) {
        place(entry);
      }
    } else {
      // The membership tag index narrows the search; our own snapshot has the final word.
      for (const node of this.membership.nodesByTag(filter.tags)) {
        const entry = this.entries.get(node.id);
        if (entry !== undefined && tagsMatch(entry.tags, filter.tags)) {
          place(entry);
        }
      }
    }
    set.alive = alive;
    set.suspect = suspect;
    set.dirty = false;
    set.generation = this.filters.generation;
  }

  private handleClusterEvent(event: ClusterEvent): void {
    switch (event.type) {
      case 'NodeFailed':
        this.reconcile(event.node, 'failed');
        return;
      case 'NodeLeft':
        this.reconcile(event.node, 'left');
        return;
      case 'NodeJoined':
      case 'NodeRecovered':
      case 'NodeSuspected':
      case 'NodeUpdated':
        this.reconcile(event.node);
        return;
      case 'PartitionDetected':
      case 'PartitionHealed':
        this.resync();
        return;
    }
  }

  /** Brings the registry in line with `membership.members()`. */
  private resync(): void {
    const seen = new Set<NodeId>();
    for (const node of this.membership.members()) {
      seen.add(node.id);
      this.reconcile(node);
    }
    for (const entry of [...this.entries.values()]) {
      if (!seen.has(entry.id)) {
        this.remove(entry, 'failed');
      }
    }
  }

  private classify(node: ClusterNode): Verdict {
    if (node.state === NodeState.Dead) {
      return { worker: false, reason: 'failed' };
    }
    if (node.state === NodeState.Left) {
      return { worker: false, reason: 'left' };
    }
    if (node.tags[HEALTHY_TAG] === 'false') {
      return { worker: false, reason: 'unhealthy' };
    }
    const rpcAddress = node.rpcAddress;
    if (rpcAddress === undefined || rpcAddress === '') {
      return { worker: false, reason: 'unmatched' };
    }
    if (!this.options.includeLocalNode && node.id === this.membership.localNode().id) {
      return { worker: false, reason: 'unmatched' };
    }
    if (!this.matchesBaseFilter(node)) {
      return { worker: false, reason: 'unmatched' };
    }
    return { worker: true, rpcAddress };
  }

  private matchesBaseFilter(node: ClusterNode): boolean {
    const filter = this.baseFilter;
    if (filter.kind === 'tags') {
      return tagsMatch(node.tags, filter.tags);
    }
    try {
      return filter.predicate(node);
    } catch (error) {
      this.options.logger.warn('registry: workerFilter threw; node treated as not a worker', {
        nodeId: node.id,
        error: String(error),
      });
      return false;
    }
  }

  private reconcile(node: ClusterNode, forcedRemoval?: WorkerRemovalReason): void {
    const existing = this.entries.get(node.id);
    const verdict: Verdict =
      forcedRemoval !== undefined ? { worker: false, reason: forcedRemoval } : this.classify(node);
    if (!verdict.worker) {
      if (existing !== undefined) {
        const previousTags = existing.tags;
        existing.node = node;
        this.remove(existing, verdict.reason, previousTags);
      }
      return;
    }
    if (existing === undefined) {
      this.add(node, verdict.rpcAddress);
      return;
    }
    const previousNode = existing.node;
    const changed =
      previousNode.state !== node.state ||
      existing.rpcAddress !== verdict.rpcAddress ||
      !sameTags(previousNode.tags, node.tags);
    if (!changed) {
      existing.node = node;
      return;
    }
    const previous = existing.snapshot();
    existing.node = node;
    existing.rpcAddress = verdict.rpcAddress;
    this.filters.invalidate(previousNode.tags, node.tags);
    this.emit({ type: 'WorkerUpdated', worker: existing.snapshot(), previous });
  }

  private add(node: ClusterNode, rpcAddress: string): void {
    // A worker that comes back while old calls still run on it keeps its exact count.
    const entry =
      this.retired.get(node.id) ?? new WorkerEntry(node, rpcAddress, this.options.ewmaAlpha);
    this.retired.delete(node.id);
    entry.node = node;
    entry.rpcAddress = rpcAddress;
    entry.active = true;
    this.entries.set(node.id, entry);
    this.filters.invalidate(undefined, node.tags);
    this.options.logger.debug('registry: worker added', { nodeId: node.id, rpcAddress });
    this.emit({ type: 'WorkerAdded', worker: entry.snapshot() });
  }

  private remove(
    entry: WorkerEntry,
    reason: WorkerRemovalReason,
    previousTags: NodeTags = entry.tags,
  ): void {
    this.entries.delete(entry.id);
    entry.active = false;
    if (entry.inFlight > 0 && reason !== 'stopped') {
      this.retired.set(entry.id, entry);
    }
    this.filters.invalidate(previousTags, entry.tags);
    this.options.logger.debug('registry: worker removed', { nodeId: entry.id, reason });
    this.emit({ type: 'WorkerRemoved', worker: entry.snapshot(), reason });
  }

  private emit(event: WorkerEvent): void {
    this.events.emit(event);
  }
}
