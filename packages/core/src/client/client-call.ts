import type { CallObservers } from '../call/call-observations.js';
import { deferred, lazyDeferred, sharedResolution } from '../call/deferred.js';
import { MessageQueue } from '../call/message-queue.js';
import { SendCredit } from '../call/send-credit.js';
import type { CallObservation, CallOutcome, ObservedCall } from '../call-observer.js';
import { ErrorCode, isErrorCode, RpcError } from '../errors.js';
import type { CallKind } from '../handlers.js';
import { emptyMetadata, type Metadata } from '../metadata.js';
import { Envelopes, type TrailersBody } from '../wire/envelopes.js';
import {
  encodeRequestWithMessage,
  FRAME_HEADER_BYTES,
  FrameFlag,
  FrameType,
  ProtocolFeature,
} from '../wire/frame.js';
import type { FrameChannel } from '../wire/frame-channel.js';

/** What a call needs from the client that owns it. */
export interface ClientCallHost {
  readonly channel: FrameChannel;
  readonly peerMaxFrameBytes: number;
  readonly peerWindowBytes: number;
  readonly windowBytes: number;
  /** {@link ProtocolFeature} bits both sides speak (from the server's HELLO). */
  readonly features: number;
  /** The client's call observers; undefined when it has none. */
  readonly observers: CallObservers | undefined;
  onCallFinished(call: ClientCall): void;
}

/** Most calls have no headers and no trailers: their promises, asked for once settled, are one. */
const noMetadata = sharedResolution(emptyMetadata);

/**
 * The client side of one call: request stream out, response stream in, and the final status.
 * It is its own record for observers: what they are told at its start and its end.
 */
export class ClientCall implements ObservedCall, CallOutcome {
  readonly id: number;
  readonly kind: CallKind;
  readonly method: string;
  readonly inbound: MessageQueue;
  /** Set when the call ends: its error's code, undefined for OK. */
  code: ErrorCode | undefined;
  sentBytes = 0;
  sentMessages = 0;
  receivedMessages = 0;
  readonly headers = lazyDeferred<Metadata>(noMetadata);
  readonly trailers = lazyDeferred<Metadata>(noMetadata);
  /**
   * Resolves on an OK status (with what {@link completeWith}'s function made of the call then),
   * rejects with the call's error.
   */
  readonly completion = deferred<unknown>();
  /** Payload bytes of the response messages received so far. */
  receivedBytes = 0;
  readonly #host: ClientCallHost;
  readonly #credit: SendCredit;
  /** Writer batch that carries the REQUEST frame (to tell whether it ever left). */
  #requestBatch = 0;
  #finished = false;
  #halfClosed = false;
  #unacknowledged = 0;
  /** The last queued send (undefined until the first): sends leave in order. */
  #sendTail: Promise<void> | undefined;
  readonly #cleanups: Array<() => void> = [];
  #outcome: ((call: ClientCall) => unknown) | undefined;
  #observation: CallObservation | undefined;

  constructor(host: ClientCallHost, id: number, kind: CallKind, method: string) {
    this.id = id;
    this.kind = kind;
    this.method = method;
    this.#host = host;
    this.#credit = new SendCredit(host.peerWindowBytes);
    this.inbound = new MessageQueue({
      onConsumed: (bytes) => this.#returnCredit(bytes + FRAME_HEADER_BYTES),
      onAbandoned: () =>
        this.cancel(new RpcError(ErrorCode.CANCELLED, 'response stream abandoned by the caller')),
    });
  }

  /** True once the call ended. */
  get finished(): boolean {
    return this.#finished;
  }

  /** Tells the client's observers the call started (they hear of its end in turn). */
  observe(): void {
    this.#observation = this.#host.observers?.started(this);
  }

  /** Runs `cleanup` when the call ends (timers, abort listeners). */
  onFinish(cleanup: () => void): void {
    if (this.#finished) cleanup();
    else this.#cleanups.push(cleanup);
  }

  /** Sends REQUEST, plus the single request message for unary and server-streaming calls. */
  open(method: string, metadata: Metadata, timeoutMs: number, message?: Uint8Array): void {
    this.#requestBatch = this.#host.channel.nextBatch;
    const body = Envelopes.request.encode({ method, metadata: { ...metadata }, timeoutMs });
    if (message === undefined) {
      this.#host.channel.send(FrameType.REQUEST, 0, this.id, body);
      return;
    }
    this.#halfClosed = true;
    this.sentBytes += message.length;
    this.sentMessages += 1;
    // Credit is counted as for a separate MESSAGE frame, so both framings account the same.
    this.#credit.consume(message.length + FRAME_HEADER_BYTES);
    const inline = encodeRequestWithMessage(body, message);
    if (
      (this.#host.features & ProtocolFeature.REQUEST_WITH_MESSAGE) !== 0 &&
      inline.length <= this.#host.peerMaxFrameBytes
    ) {
      this.#host.channel.send(FrameType.REQUEST, FrameFlag.WITH_MESSAGE, this.id, inline);
      return;
    }
    this.#host.channel.send(FrameType.REQUEST, 0, this.id, body);
    this.#host.channel.send(FrameType.MESSAGE, FrameFlag.END_STREAM, this.id, message);
  }

  /** True when the REQUEST frame certainly never reached the transport. */
  get requestUnsent(): boolean {
    return this.#requestBatch > this.#host.channel.batchesWritten;
  }

  /** Sends one request message, in order, once flow control and the writer allow. */
  send(message: Uint8Array): Promise<void> {
    const sent = (this.#sendTail ?? Promise.resolve()).then(() => this.#sendNow(message));
    this.#sendTail = sent.catch(() => undefined);
    return sent;
  }

  /** Half-closes the request stream after every pending send. */
  end(): void {
    if (this.#halfClosed) return;
    this.#halfClosed = true;
    void (this.#sendTail ?? Promise.resolve()).then(() => {
      if (!this.#finished) this.#host.channel.send(FrameType.HALF_CLOSE, 0, this.id, EMPTY);
    });
  }

  /** Response headers arrived. */
  onHeaders(metadata: Metadata): void {
    this.headers.resolve(metadata);
  }

  /** A response message arrived. */
  onMessage(payload: Uint8Array): void {
    this.headers.resolve(emptyMetadata);
    this.receivedBytes += payload.length;
    this.receivedMessages += 1;
    this.inbound.push(payload);
  }

  /**
   * Resolves {@link completion} with `outcome(call)` on an OK status, or rejects it with what
   * `outcome` throws: a single-response call settles in that one step, with no promise chained
   * after its completion.
   */
  completeWith(outcome: (call: ClientCall) => unknown): void {
    this.#outcome = outcome;
  }

  #complete(): void {
    if (this.#outcome === undefined) {
      this.completion.resolve(undefined);
      return;
    }
    try {
      this.completion.resolve(this.#outcome(this));
    } catch (error) {
      this.completion.reject(error);
    }
  }

  /** The peer granted more send credit. */
  grant(bytes: number): void {
    this.#credit.grant(bytes);
  }

  /** The final status arrived. */
  onTrailers(body: TrailersBody, metadata: Metadata): void {
    if (body.code === '') {
      this.headers.resolve(emptyMetadata);
      this.inbound.end();
      this.trailers.resolve(metadata);
      // Finished first: the outcome may take the response, which must not return credit.
      this.#finish();
      this.#complete();
      return;
    }
    const error = new RpcError(
      isErrorCode(body.code) ? body.code : ErrorCode.UNKNOWN,
      body.message,
      { details: body.details, notProcessed: body.notProcessed },
    );
    this.inbound.fail(error, true);
    this.fail(error);
  }

  /** Ends the call locally with `error` and tells the server (CANCEL). */
  cancel(error: RpcError): void {
    if (this.#finished) return;
    this.#host.channel.sendEnvelope(FrameType.CANCEL, this.id, Envelopes.cancel, {
      code: error.code,
      message: error.message,
    });
    this.fail(error);
  }

  /** Ends the call locally with `error`, without telling the server. */
  fail(error: RpcError): void {
    if (this.#finished) return;
    this.headers.reject(error);
    this.trailers.reject(error);
    this.completion.reject(error);
    this.inbound.fail(error);
    this.#credit.fail(error);
    this.code = error.code;
    this.#finish();
  }

  async #sendNow(message: Uint8Array): Promise<void> {
    if (this.#halfClosed) throw new Error('send() after end()');
    if (this.#finished) throw await this.completion.promise.then(callEnded, (error) => error);
    if (message.length > this.#host.peerMaxFrameBytes) {
      throw new RpcError(
        ErrorCode.RESOURCE_EXHAUSTED,
        `request message of ${message.length} bytes exceeds the server's limit of ${this.#host.peerMaxFrameBytes}`,
      );
    }
    if (this.#credit.available <= 0) await this.#credit.ready();
    if (this.#host.channel.writeBlocked) await this.#host.channel.writable();
    if (this.#finished) throw await this.completion.promise.then(callEnded, (error) => error);
    this.#credit.consume(message.length + FRAME_HEADER_BYTES);
    this.#host.channel.send(FrameType.MESSAGE, 0, this.id, message);
    this.sentBytes += message.length;
    this.sentMessages += 1;
  }

  #returnCredit(bytes: number): void {
    if (this.#finished) return;
    this.#unacknowledged += bytes;
    if (this.#unacknowledged >= this.#host.windowBytes / 2) {
      this.#host.channel.sendEnvelope(FrameType.WINDOW_UPDATE, this.id, Envelopes.windowUpdate, {
        credit: this.#unacknowledged,
      });
      this.#unacknowledged = 0;
    }
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    this.#host.onCallFinished(this);
    if (this.#observation !== undefined) {
      (this.#host.observers as CallObservers).ended(this.#observation, this);
    }
  }
}

const EMPTY = new Uint8Array(0);

function callEnded(): RpcError {
  return new RpcError(ErrorCode.FAILED_PRECONDITION, 'the call has already ended');
}
