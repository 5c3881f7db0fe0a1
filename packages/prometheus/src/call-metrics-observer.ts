import type {
  CallKind,
  CallObservation,
  CallObserver,
  CallOutcome,
  ObservedCall,
} from '@rpcnet/core';
import type { CallSide, MethodInstruments, RpcInstruments } from './rpc-instruments.js';
import { OK } from './status-code.js';

/**
 * Records every call one side makes or handles in `instruments`: duration by status code (from
 * the call's start to its status), in-flight, payload bytes and, for streams, messages per call.
 * An observer, not an interceptor: it is told of each call's end where the status is written or
 * read, without waiting on the call's promise. `now` reads a monotonic clock in ms.
 */
export function callMetricsObserver(
  instruments: RpcInstruments,
  side: CallSide,
  now: () => number,
): CallObserver {
  return {
    started: (call: ObservedCall) =>
      new CallRecord(instruments.of(call.method, call.kind), streamsOf(call.kind, side), now),
  };
}

/** Bits of {@link streamsOf}: this side sends a stream, receives one. */
const STREAM_OUT = 1;
const STREAM_IN = 2;

/** Which directions of a call of `kind` carry a stream, seen from `side`. */
function streamsOf(kind: CallKind, side: CallSide): number {
  const fromClient = kind === 'clientStream' || kind === 'bidiStream';
  const fromServer = kind === 'serverStream' || kind === 'bidiStream';
  const out = side === 'client' ? fromClient : fromServer;
  const into = side === 'client' ? fromServer : fromClient;
  return (out ? STREAM_OUT : 0) | (into ? STREAM_IN : 0);
}

/** One call being recorded. */
class CallRecord implements CallObservation {
  readonly #method: MethodInstruments;
  readonly #streams: number;
  readonly #now: () => number;
  readonly #started: number;

  constructor(method: MethodInstruments, streams: number, now: () => number) {
    this.#method = method;
    this.#streams = streams;
    this.#now = now;
    this.#started = now();
    method.inFlight += 1;
  }

  ended(outcome: CallOutcome): void {
    const method = this.#method;
    method.finished(outcome.code ?? OK, (this.#now() - this.#started) / 1000);
    method.sentBytes += outcome.sentBytes;
    method.receivedBytes += outcome.receivedBytes;
    if ((this.#streams & STREAM_OUT) !== 0) method.sentPerStream.observe(outcome.sentMessages);
    if ((this.#streams & STREAM_IN) !== 0) {
      method.receivedPerStream.observe(outcome.receivedMessages);
    }
  }
}
