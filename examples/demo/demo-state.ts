import type { ClientCounters, DemoReport, MemberView, WorkerPhase } from '../shared/demo-report.js';

/** A worker as the worker itself reports it. */
export interface WorkerSelfView {
  readonly phase: WorkerPhase;
  readonly activeCalls: number;
  readonly tokensServed: number;
}

/** One simulated failure and how fast it was noticed. */
export interface FailureEpisode {
  readonly label: string;
  readonly failedAt: number;
  /** When the director's registry dropped the worker (it published healthy=false). */
  removedAt?: number;
  /** When the client first moved a call away from it. */
  failoverAt?: number;
}

/** One failover the client reported. */
export interface FailoverRecord {
  readonly at: number;
  readonly from: string;
  readonly to: string;
  readonly tokensSoFar: number;
}

/** Everything the demo has heard from its children, folded into current state and history. */
export class DemoState {
  members: readonly MemberView[] = [];
  readonly workers = new Map<string, WorkerSelfView>();
  client: ClientCounters | undefined;
  readonly failovers: FailoverRecord[] = [];
  readonly episodes: FailureEpisode[] = [];
  /** Labels of every worker the director ever saw join the pool, with the time. */
  readonly discovered = new Map<string, number>();
  readonly removals: Array<{
    readonly at: number;
    readonly label: string;
    readonly reason: string;
  }> = [];

  /** Folds one report in. */
  apply(report: DemoReport): void {
    switch (report.type) {
      case 'members':
        this.members = report.members;
        return;
      case 'worker-added':
        if (!this.discovered.has(report.label)) this.discovered.set(report.label, report.at);
        return;
      case 'worker-removed':
        this.removals.push(report);
        for (const episode of this.episodes) {
          if (episode.label === report.label && episode.removedAt === undefined) {
            episode.removedAt = report.at;
          }
        }
        return;
      case 'worker-stats':
        this.workers.set(report.label, {
          phase: report.phase,
          activeCalls: report.activeCalls,
          tokensServed: report.tokensServed,
        });
        return;
      case 'phase': {
        const known = this.workers.get(report.label);
        this.workers.set(report.label, {
          phase: report.phase,
          activeCalls: known?.activeCalls ?? 0,
          tokensServed: known?.tokensServed ?? 0,
        });
        if (report.phase === 'failed')
          this.episodes.push({ label: report.label, failedAt: report.at });
        return;
      }
      case 'client-stats':
        this.client = report.counters;
        return;
      case 'failover': {
        this.failovers.push(report);
        const episode = this.episodes.findLast((e) => e.label === report.from);
        if (
          episode !== undefined &&
          episode.failoverAt === undefined &&
          report.at >= episode.failedAt
        ) {
          episode.failoverAt = report.at;
        }
        return;
      }
      case 'ready':
      case 'stopped':
        return;
    }
  }

  /** Workers currently in the director's pool. */
  availableWorkers(): MemberView[] {
    return this.members.filter((member) => member.available);
  }
}
