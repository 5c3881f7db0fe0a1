import type { CancelTimer, WallClock } from '@rpcnet/base';
import type { CallObservers } from '../call/call-observations.js';
import { MessageQueue } from '../call/message-queue.js';
import { SendCredit } from '../call/send-credit.js';
import type { CallContext } from '../call-context.js';
import type { CallObservation, CallOutcome, ObservedCall } from '../call-observer.js';
import { ErrorCode, isErrorCode, RpcError } from '../errors.js';
import type { CallKind, MethodHandler } from '../handlers.js';
import type { Metadata } from '../metadata.js';
import { Envelopes } from '../wire/envelopes.js';
import { FRAME_HEADER_BYTES, FrameFlag, FrameType, ProtocolFeature } from '../wire/frame.js';
import type { FrameChannel } from '../wire/frame-channel.js';
import { ServerCallContext } from './server-call-context.js';
import type { ServerCallFn, ServerRequest, ServerResponse } from './server-interceptor.js';

/** What a call needs from the connection that carries it. */
export interface ServerCallHost {
  readonly channel: FrameChannel;
  readonly clock: WallClock;
  /** The client's receive limits, from its HELLO. */
  readonly peerMaxFrameBytes: number;
  readonly peerWindowBytes: number;
  /** Our receive window per call. */
  readonly windowBytes: number;
  /** {@link ProtocolFeature} bits both sides speak. */
  readonly features: number;
  /** The server's call observers; undefined when it has none. */
  readonly observers: CallObservers | undefined;
  /** The call ended (successfully or not): forget it. */
  onCallFinished(call: ServerCall): void;
}

/** Parameters of a new call, from its REQUEST frame. */
export interface ServerCallInit {
  id: number;
  method: string;
  metadata: Metadata;
  timeoutMs: number;
  registration: MethodHandler;
  /** The handler behind the server's interceptors (the built-in counters at least). */
  chain: ServerCallFn;
}

/**
 * The server side of one call: runs the handler and streams its results back. It is its own
 * record for observers: what they are told at its start and its end.
 */
export class ServerCall implements ObservedCall, CallOutcome {
  readonly id: number;
  readonly kind: CallKind;
  readonly method: string;
  readonly inbound: MessageQueue;
  /** Set when the call ends: its error's code, undefined for OK. */
  code: ErrorCode | undefined;
  sentBytes = 0;
  receivedBytes = 0;
  sentMessages = 0;
  receivedMessages = 0;
  readonly #observation: CallObservation | undefined;
  readonly #host: ServerCallHost;
  readonly #init: ServerCallInit;
  /** Created on first use of the handler's signal: most handlers never look at it. */
  #abort: AbortController | undefined;
  #abortReason: RpcError | undefined;
  readonly #credit: SendCredit;
  readonly #context: CallContext;
  #headers: Record<string, string> | undefined;
  #headersSent = false;
  #trailers: Record<string, string> = NO_TRAILERS;
  #finished = false;
  #unacknowledged = 0;
  #cancelDeadline: CancelTimer | undefined;

  constructor(host: ServerCallHost, init: ServerCallInit) {
    this.id = init.id;
    this.kind = init.registration.kind;
    this.method = init.method;
    this.#host = host;
    this.#init = init;
    this.#credit = new SendCredit(host.peerWindowBytes);
    this.inbound = new MessageQueue({
      onConsumed: (bytes) => this.#returnCredit(bytes + FRAME_HEADER_BYTES),
      onAbandoned: () => undefined,
    });
    const deadline = init.timeoutMs > 0 ? host.clock.now() + init.timeoutMs : undefined;
    this.#context = new ServerCallContext(
      this,
      init.method,
      init.metadata,
      host.channel.remoteAddress,
      deadline,
    );
    if (init.timeoutMs > 0) {
      this.#cancelDeadline = host.clock.setTimer(init.timeoutMs, () =>
        this.abort(
          new RpcError(ErrorCode.DEADLINE_EXCEEDED, `deadline of ${init.timeoutMs} ms exceeded`),
          true,
        ),
      );
    }
    this.#observation = host.observers?.started(this);
  }

  /** A request message arrived. */
  received(message: Uint8Array): void {
    this.receivedBytes += message.length;
    this.receivedMessages += 1;
    this.inbound.push(message);
  }

  /** True once the call ended. */
  get finished(): boolean {
    return this.#finished;
  }

  /** The error the call failed with, once it failed (`CallContext.error`). */
  get error(): RpcError | undefined {
    return this.#abortReason;
  }

  /** Adds response headers (`CallContext.setHeader`). */
  setHeader(metadata: Metadata): void {
    if (this.#headersSent) throw new Error('response headers were already sent');
    this.#headers = { ...this.#headers, ...metadata };
  }

  /** Adds response trailers (`CallContext.setTrailer`). */
  setTrailer(metadata: Metadata): void {
    this.#trailers = { ...this.#trailers, ...metadata };
  }

  /** The handler's abort signal; aborted with the call's error when it fails. */
  get signal(): AbortSignal {
    if (this.#abort === undefined) {
      this.#abort = new AbortController();
      if (this.#abortReason !== undefined) this.#abort.abort(this.#abortReason);
    }
    return this.#abort.signal;
  }

  /**
   * Runs the call through the server's interceptors to completion; never throws. Not async:
   * a unary call's request usually came in its REQUEST frame, and then the call takes one step
   * from the chain's answer to its response, with no promise of its own.
   */
  run(): void {
    const { kind } = this.#init.registration;
    const { method } = this.#init;
    const context = this.#context;
    if (kind === 'clientStream' || kind === 'bidiStream') {
      this.#runChain({ kind, method, context, messages: this.inbound });
      return;
    }
    const message = this.inbound.shift();
    if (message !== undefined) {
      this.#runChain({ kind, method, context, message });
      return;
    }
    this.#singleRequest().then(
      (received) => this.#runChain({ kind, method, context, message: received }),
      (error: unknown) => this.#failWith(error),
    );
  }

  #runChain(request: ServerRequest): void {
    // The chain's `next` never throws (chainInterceptors), so neither does this.
    this.#init.chain(request).then(
      (response) => {
        try {
          this.#respond(response);
        } catch (error) {
          // A response that cannot be sent (not bytes, too large) fails the call.
          this.#failWith(error);
        }
      },
      (error: unknown) => this.#failWith(error),
    );
  }

  #respond(response: ServerResponse): void {
    const { kind } = this.#init.registration;
    const { method } = this.#init;
    if (kind === 'unary' || kind === 'clientStream') {
      if (response.message === undefined) {
        this.#failWith(
          new RpcError(ErrorCode.INTERNAL, `an interceptor dropped the response of ${method}`),
        );
        return;
      }
      this.#finishWithResponse(response.message);
      return;
    }
    if (response.messages === undefined) {
      this.#failWith(
        new RpcError(ErrorCode.INTERNAL, `an interceptor dropped the responses of ${method}`),
      );
      return;
    }
    this.#sendAll(response.messages).then(
      () => {
        if (!this.#finished) this.#finish(undefined, true);
      },
      (error: unknown) => this.#failWith(error),
    );
  }

  #failWith(error: unknown): void {
    if (this.#finished) return;
    this.#finish(toWireError(error), true);
  }

  /** Adds flow-control credit granted by the client. */
  grant(bytes: number): void {
    this.#credit.grant(bytes);
  }

  /**
   * Ends the call with `error`: aborts the handler's signal and, when `reply` is set, sends the
   * error as trailers (not after a client CANCEL or a lost connection: nobody is listening).
   */
  abort(error: RpcError, reply: boolean): void {
    if (this.#finished) return;
    this.#finish(error, reply);
  }

  async #singleRequest(): Promise<Uint8Array> {
    const first = await this.inbound.next();
    if (first.done) {
      throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'the request carried no message');
    }
    return first.value;
  }

  async #sendAll(messages: AsyncIterable<Uint8Array>): Promise<void> {
    for await (const message of messages) {
      if (this.#finished) return;
      if (this.#credit.available <= 0) await this.#credit.ready();
      if (this.#host.channel.writeBlocked) await this.#host.channel.writable();
      if (this.#finished) return;
      this.#sendMessage(message);
    }
  }

  /**
   * Sends the single response and ends the call OK. To a client that speaks
   * IMPLICIT_OK_TRAILERS, a call without trailers ends with the message itself (END_STREAM).
   */
  #finishWithResponse(message: Uint8Array): void {
    if (this.#finished) return;
    const implicitOk =
      this.#trailers === NO_TRAILERS &&
      (this.#host.features & ProtocolFeature.IMPLICIT_OK_TRAILERS) !== 0;
    this.#sendMessage(message, implicitOk ? FrameFlag.END_STREAM : 0);
    this.#finish(undefined, !implicitOk);
  }

  #sendMessage(message: Uint8Array, flags = 0): void {
    if (this.#finished) return;
    if (!(message instanceof Uint8Array)) {
      throw new RpcError(ErrorCode.INTERNAL, 'handler produced a value that is not a Uint8Array');
    }
    if (message.length > this.#host.peerMaxFrameBytes) {
      throw new RpcError(
        ErrorCode.RESOURCE_EXHAUSTED,
        `response message of ${message.length} bytes exceeds the limit of ${this.#host.peerMaxFrameBytes}`,
      );
    }
    this.#flushHeaders();
    this.#credit.consume(message.length + FRAME_HEADER_BYTES);
    this.#host.channel.send(FrameType.MESSAGE, flags, this.id, message);
    this.sentBytes += message.length;
    this.sentMessages += 1;
  }

  #flushHeaders(): void {
    if (this.#headersSent) return;
    this.#headersSent = true;
    if (this.#headers !== undefined) {
      this.#host.channel.sendEnvelope(FrameType.HEADERS, this.id, Envelopes.headers, {
        metadata: this.#headers,
      });
    }
  }

  #returnCredit(bytes: number): void {
    if (this.#finished || this.inbound.finished) return;
    this.#unacknowledged += bytes;
    if (this.#unacknowledged >= this.#host.windowBytes / 2) {
      this.#host.channel.sendEnvelope(FrameType.WINDOW_UPDATE, this.id, Envelopes.windowUpdate, {
        credit: this.#unacknowledged,
      });
      this.#unacknowledged = 0;
    }
  }

  #finish(error: RpcError | undefined, reply: boolean): void {
    this.#finished = true;
    this.#cancelDeadline?.();
    if (reply) {
      this.#flushHeaders();
      if (error === undefined && this.#trailers === NO_TRAILERS) {
        // OK without trailers: every field at its default, so the body is empty.
        this.#host.channel.send(FrameType.TRAILERS, 0, this.id, EMPTY);
      } else {
        this.#host.channel.sendEnvelope(FrameType.TRAILERS, this.id, Envelopes.trailers, {
          code: error?.code ?? '',
          message: error?.message ?? '',
          details: { ...error?.details },
          metadata: this.#trailers,
          notProcessed: error?.notProcessed ?? false,
        });
      }
    }
    const reason = error ?? CALL_COMPLETED;
    this.#credit.fail(reason);
    this.inbound.fail(reason);
    if (error !== undefined) {
      this.#abortReason = error;
      this.#abort?.abort(error);
    }
    this.#host.onCallFinished(this);
    if (this.#observation !== undefined) {
      this.code = error?.code;
      (this.#host.observers as CallObservers).ended(this.#observation, this);
    }
  }
}

const EMPTY = new Uint8Array(0);

/** The trailers of a call whose handler set none (compared by identity). */
const NO_TRAILERS: Record<string, string> = Object.freeze({});

/** Why waits on a call that ended successfully fail; shared, as no caller inspects its stack. */
const CALL_COMPLETED = new RpcError(ErrorCode.CANCELLED, 'call completed');

/** Maps anything a handler threw to the error the client sees: no stack, no cause. */
function toWireError(error: unknown): RpcError {
  if (error instanceof RpcError) {
    // A code outside ErrorCode (a cast, a typo in JavaScript) would go out empty and read as OK.
    if (!isErrorCode(error.code)) {
      return new RpcError(
        ErrorCode.UNKNOWN,
        `${error.message} (handler used unknown code ${JSON.stringify(error.code)})`,
      );
    }
    return new RpcError(error.code, error.message, error.details ? { details: error.details } : {});
  }
  const message = error instanceof Error ? error.message : 'handler failed';
  return new RpcError(ErrorCode.INTERNAL, message);
}
