import { Counter, Gauge, type Registry } from 'prom-client';
import { BucketHistogram, type HistogramSeries } from './bucket-histogram.js';
import { DURATION_BUCKETS_SECONDS, MESSAGE_COUNT_BUCKETS } from './buckets.js';
import { OK } from './status-code.js';

/** The side of a call that instruments describe: `server` (handled calls) or `client` (made). */
export type CallSide = 'server' | 'client';

/**
 * The instruments of one method and call kind, resolved once: label lookups stay off the
 * per-call path; in-flight calls, bytes and histogram buckets are plain numbers read at scrape
 * time.
 */
export class MethodInstruments {
  inFlight = 0;
  receivedBytes = 0;
  sentBytes = 0;
  readonly method: string;
  readonly receivedPerStream: HistogramSeries;
  readonly sentPerStream: HistogramSeries;
  readonly #instruments: RpcInstruments;
  readonly #method: string;
  readonly #kind: string;
  #durationOk: HistogramSeries | undefined;
  readonly #durationByCode = new Map<string, HistogramSeries>();

  constructor(instruments: RpcInstruments, method: string, kind: string) {
    this.#instruments = instruments;
    this.#method = method;
    this.method = method;
    this.#kind = kind;
    this.receivedPerStream = instruments.receivedPerStream.series({ method });
    this.sentPerStream = instruments.sentPerStream.series({ method });
  }

  /** Records a finished call: its duration in seconds under its status code. */
  finished(code: string, seconds: number): void {
    this.#duration(code).observe(seconds);
    this.inFlight -= 1;
  }

  #duration(code: string): HistogramSeries {
    if (code === OK) {
      this.#durationOk ??= this.#newDuration(code);
      return this.#durationOk;
    }
    let series = this.#durationByCode.get(code);
    if (series === undefined) {
      series = this.#newDuration(code);
      this.#durationByCode.set(code, series);
    }
    return series;
  }

  #newDuration(code: string): HistogramSeries {
    return this.#instruments.duration.series({ method: this.#method, kind: this.#kind, code });
  }
}

/** The RPC instruments of one side, registered in the user's registry. */
export class RpcInstruments {
  readonly duration: BucketHistogram<'method' | 'kind' | 'code'>;
  readonly inFlight: Gauge<'method'>;
  readonly receivedBytes: Counter<'method'>;
  readonly sentBytes: Counter<'method'>;
  readonly receivedPerStream: BucketHistogram<'method'>;
  readonly sentPerStream: BucketHistogram<'method'>;
  /** Per call kind, then per method: no key to build per call. */
  readonly #byKind = new Map<string, Map<string, MethodInstruments>>();

  constructor(registry: Registry, prefix: string, side: CallSide) {
    const name = `${prefix}rpc_${side}_`;
    const registers = [registry];
    const calls = side === 'server' ? 'calls handled' : 'calls made';
    this.duration = new BucketHistogram({
      name: `${name}duration_seconds`,
      help: `Duration of ${calls}, by method, call kind and status code (_count: calls).`,
      labelNames: ['method', 'kind', 'code'],
      buckets: DURATION_BUCKETS_SECONDS,
      registers,
    });
    const byKind = this.#byKind;
    /** Sums `pick` over the call kinds of each method. */
    const perMethod = (pick: (instruments: MethodInstruments) => number) => {
      const totals = new Map<string, number>();
      for (const byMethod of byKind.values()) {
        for (const instruments of byMethod.values()) {
          totals.set(instruments.method, (totals.get(instruments.method) ?? 0) + pick(instruments));
        }
      }
      return totals;
    };
    this.inFlight = new Gauge({
      name: `${name}in_flight`,
      help: `${side === 'server' ? 'Calls being handled' : 'Calls in progress'} now, by method.`,
      labelNames: ['method'],
      registers,
      collect() {
        for (const [method, value] of perMethod((m) => m.inFlight)) this.set({ method }, value);
      },
    });
    this.receivedBytes = new Counter({
      name: `${name}received_bytes_total`,
      help: `Message payload bytes received by ${calls}, by method.`,
      labelNames: ['method'],
      registers,
      collect() {
        this.reset();
        for (const [method, value] of perMethod((m) => m.receivedBytes))
          this.inc({ method }, value);
      },
    });
    this.sentBytes = new Counter({
      name: `${name}sent_bytes_total`,
      help: `Message payload bytes sent by ${calls}, by method.`,
      labelNames: ['method'],
      registers,
      collect() {
        this.reset();
        for (const [method, value] of perMethod((m) => m.sentBytes)) this.inc({ method }, value);
      },
    });
    this.receivedPerStream = new BucketHistogram({
      name: `${name}received_messages_per_stream`,
      help: `Messages received per streaming call (streams toward the ${side} only), by method.`,
      labelNames: ['method'],
      buckets: MESSAGE_COUNT_BUCKETS,
      registers,
    });
    this.sentPerStream = new BucketHistogram({
      name: `${name}sent_messages_per_stream`,
      help: `Messages sent per streaming call (streams from the ${side} only), by method.`,
      labelNames: ['method'],
      buckets: MESSAGE_COUNT_BUCKETS,
      registers,
    });
  }

  /** The instruments of `method` (made on its first call). */
  of(method: string, kind: string): MethodInstruments {
    let byMethod = this.#byKind.get(kind);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.#byKind.set(kind, byMethod);
    }
    let instruments = byMethod.get(method);
    if (instruments === undefined) {
      instruments = new MethodInstruments(this, method, kind);
      byMethod.set(method, instruments);
    }
    return instruments;
  }
}
