import type { CancelTimer } from '@rpcnet/base';
import { ClusterError, ClusterErrorCode } from './errors.js';
import type { SwimContext } from './swim-context.js';

/** Seeds found by a discovery source, refreshed on demand (see `SeedRefresher`). */
export interface DiscoveredSeeds {
  /** The seeds of the last answer, this node left out; undefined until one answered. */
  current(): readonly string[] | undefined;
  /** Starts a discovery unless one runs or a failure backs off; the answer shows in `current()`. */
  refresh(): void;
}

interface PendingJoin {
  onReply(last: boolean): void;
  abort(error: ClusterError): void;
}

/**
 * Joining through seeds: a full-state push-pull to every given and discovered seed, retried with
 * backoff until one answers or the join times out. Remembers the seeds so the reconnect loop can
 * contact an absent one again (that heals partitions).
 */
export class SeedJoin {
  private readonly seeds = new Set<string>();
  private readonly joins = new Set<PendingJoin>();

  constructor(
    private readonly ctx: SwimContext,
    private readonly sendFullState: (address: string, join: boolean, reply: boolean) => void,
    configuredSeeds: readonly string[],
    private readonly discoveredSeeds: DiscoveredSeeds | undefined,
  ) {
    for (const seed of configuredSeeds) this.seeds.add(seed);
  }

  /** See `SwimProtocol.join`. */
  join(seeds: readonly string[]): Promise<number> {
    const { ctx } = this;
    const lifecycle = ctx.lifecycle();
    if (lifecycle !== 'running') {
      return Promise.reject(
        new ClusterError(
          ClusterErrorCode.NotStarted,
          `join() needs a running node, not ${lifecycle}`,
        ),
      );
    }
    const given = [...new Set(seeds)].filter((seed) => seed !== ctx.localAddress);
    for (const seed of given) this.seeds.add(seed);
    const targets = (): string[] => [
      ...new Set([...given, ...(this.discoveredSeeds?.current() ?? [])]),
    ];
    // Discovery that has not answered yet may still find seeds: keep trying until the deadline.
    const undiscovered =
      this.discoveredSeeds !== undefined && this.discoveredSeeds.current() === undefined;
    if (targets().length === 0 && !undiscovered) return Promise.resolve(ctx.otherLiveCount());
    return new Promise<number>((resolve, reject) => {
      let attempt = 0;
      let answered = false;
      let cancelRetry: CancelTimer | undefined;
      const finish = (error?: ClusterError): void => {
        if (!this.joins.delete(join)) return;
        cancelRetry?.();
        cancelDeadline();
        if (error === undefined) resolve(ctx.otherLiveCount());
        else reject(error);
      };
      const join: PendingJoin = {
        onReply: (last) => {
          answered = true;
          if (last) finish();
        },
        abort: finish,
      };
      const tryOnce = (): void => {
        if (attempt > 0) this.discoveredSeeds?.refresh();
        for (const seed of targets()) this.sendFullState(seed, true, false);
        const delay = Math.min(
          ctx.config.joinRetryInitialMs * 2 ** attempt,
          ctx.config.joinRetryMaxMs,
        );
        attempt++;
        cancelRetry = ctx.after(delay, () => (answered ? finish() : tryOnce()));
      };
      const cancelDeadline = ctx.after(ctx.config.joinTimeoutMs, () =>
        finish(
          new ClusterError(
            ClusterErrorCode.JoinFailed,
            `no seed of ${targets().join(', ') || '(none found)'} answered within ${ctx.config.joinTimeoutMs} ms`,
          ),
        ),
      );
      this.joins.add(join);
      tryOnce();
    });
  }

  /** A seed answered a join request; `last` marks the final datagram of its answer. */
  onReply(last: boolean): void {
    for (const join of [...this.joins]) join.onReply(last);
  }

  /** Fails every pending join with `error`. */
  abortAll(error: ClusterError): void {
    for (const join of [...this.joins]) join.abort(error);
  }

  /**
   * Asks discovery again, then picks a random seed (given or discovered) that is not a live
   * member, to push our state to: a partition that lost it heals this way.
   */
  absentSeed(): string | undefined {
    const { ctx } = this;
    this.discoveredSeeds?.refresh();
    const seeds = new Set([...this.seeds, ...(this.discoveredSeeds?.current() ?? [])]);
    const absentSeeds = [...seeds].filter(
      (seed) => seed !== ctx.localAddress && !ctx.memberTable.hasLiveAddress(seed),
    );
    return absentSeeds[Math.floor(ctx.random() * absentSeeds.length)];
  }
}
