import type { Logger, WallClock } from '@rpcnet/base';
import type { CallObservers } from '../call/call-observations.js';
import { CallTable } from '../call/call-table.js';
import { ErrorCode, ProtocolError, RpcError } from '../errors.js';
import type { RpcLimits } from '../limits.js';
import { toMetadata } from '../metadata.js';
import type { TransportConnection } from '../transport.js';
import { Envelopes } from '../wire/envelopes.js';
import {
  decodeRequestWithMessage,
  type Frame,
  FrameFlag,
  FrameType,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
  SUPPORTED_FEATURES,
} from '../wire/frame.js';
import { FrameChannel } from '../wire/frame-channel.js';
import type { RegisteredMethod } from './registered-method.js';
import { ServerCall, type ServerCallHost } from './server-call.js';

/** What a connection needs from its server. */
export interface ServerConnectionHost {
  readonly limits: RpcLimits;
  readonly clock: WallClock;
  readonly logger: Logger;
  /** The server's call observers; undefined when it has none. */
  readonly observers: CallObservers | undefined;
  readonly draining: boolean;
  lookup(method: string): RegisteredMethod | undefined;
  onCallRejected(): void;
  onProtocolError(error: ProtocolError): void;
  onConnectionClosed(connection: ServerConnection): void;
}

/** The server end of one connection: the HELLO exchange and the calls multiplexed over it. */
export class ServerConnection implements ServerCallHost {
  readonly channel: FrameChannel;
  readonly calls = new CallTable<ServerCall>();
  readonly #host: ServerConnectionHost;
  #helloReceived = false;
  #highestCallId = 0;
  #goAwaySent = false;
  peerMaxFrameBytes: number;
  peerWindowBytes: number;
  /** {@link ProtocolFeature} bits both sides speak (from the client's HELLO). */
  features = 0;
  readonly windowBytes: number;
  #idleWaiters: Array<() => void> = [];

  constructor(connection: TransportConnection, host: ServerConnectionHost) {
    this.#host = host;
    this.windowBytes = host.limits.initialWindowBytes;
    this.peerMaxFrameBytes = host.limits.maxFrameBytes;
    this.peerWindowBytes = host.limits.initialWindowBytes;
    this.channel = new FrameChannel(
      connection,
      {
        onFrame: (frame) => this.#onFrame(frame),
        onProtocolError: (error) => this.#onProtocolError(error),
        onClose: (error) => this.#onClose(error),
      },
      { limits: host.limits, clock: host.clock, logger: host.logger },
    );
  }

  /** The server's call observers. */
  get observers(): CallObservers | undefined {
    return this.#host.observers;
  }

  /** The engine's clock. */
  get clock(): WallClock {
    return this.#host.clock;
  }

  /** Starts receiving. */
  start(): void {
    this.channel.start();
  }

  /** Sends GOAWAY: calls above the highest id seen so far will not be processed. */
  goAway(code: ErrorCode, message: string): void {
    if (this.#goAwaySent) return;
    this.#goAwaySent = true;
    this.channel.sendEnvelope(FrameType.GOAWAY, 0, Envelopes.goAway, {
      lastCallId: this.#highestCallId,
      code,
      message,
    });
  }

  /** Resolves once no call is open. */
  whenIdle(): Promise<void> {
    if (this.calls.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Fails every open call with `error`, telling the client. */
  abortAll(error: RpcError): void {
    for (const call of this.calls.values()) call.abort(error, true);
  }

  /** Flushes and closes. */
  close(error?: Error): Promise<void> {
    return this.channel.close(error);
  }

  onCallFinished(call: ServerCall): void {
    if (!this.calls.delete(call)) return;
    if (this.calls.size === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  #onFrame(frame: Frame): void {
    if (!this.#helloReceived) {
      this.#onHello(frame);
      return;
    }
    switch (frame.type) {
      case FrameType.REQUEST:
        this.#onRequest(frame);
        return;
      case FrameType.MESSAGE: {
        const call = this.#callFor(frame);
        if (call === undefined) return;
        call.received(frame.payload);
        if (call.inbound.bufferedBytes > this.windowBytes + this.#host.limits.maxFrameBytes) {
          this.#failCall(call, 'flow-control window exceeded');
          return;
        }
        if ((frame.flags & FrameFlag.END_STREAM) !== 0) call.inbound.end();
        return;
      }
      case FrameType.HALF_CLOSE:
        this.#callFor(frame)?.inbound.end();
        return;
      case FrameType.CANCEL: {
        const call = this.#callFor(frame);
        if (call === undefined) return;
        const body = this.#decode(frame, Envelopes.cancel);
        const code =
          body?.code === ErrorCode.DEADLINE_EXCEEDED
            ? ErrorCode.DEADLINE_EXCEEDED
            : ErrorCode.CANCELLED;
        call.abort(new RpcError(code, body?.message || 'cancelled by the client'), false);
        return;
      }
      case FrameType.WINDOW_UPDATE: {
        const call = this.#callFor(frame);
        const body = call && this.#decode(frame, Envelopes.windowUpdate);
        if (call && body) call.grant(body.credit);
        return;
      }
      case FrameType.GOAWAY:
        // The client is leaving; it closes the connection once its calls are done.
        return;
      default:
        this.#onProtocolError(
          new ProtocolError(
            `unexpected frame type ${frame.type} from a client`,
            frame.callId,
            false,
          ),
        );
    }
  }

  #onHello(frame: Frame): void {
    const hello = frame.type === FrameType.HELLO ? this.#decode(frame, Envelopes.hello) : undefined;
    if (hello === undefined || hello.protocol !== PROTOCOL_NAME || hello.version < 1) {
      this.#host.onProtocolError(
        new ProtocolError('connection did not start with an rpcnet HELLO', 0, true),
      );
      this.goAway(ErrorCode.PROTOCOL_ERROR, 'expected an rpcnet HELLO');
      void this.channel.close();
      return;
    }
    this.#helloReceived = true;
    if (hello.maxFrameBytes > 0) this.peerMaxFrameBytes = hello.maxFrameBytes;
    if (hello.initialWindowBytes > 0) this.peerWindowBytes = hello.initialWindowBytes;
    this.features = hello.features & SUPPORTED_FEATURES;
    const limits = this.#host.limits;
    this.channel.sendEnvelope(FrameType.HELLO, 0, Envelopes.hello, {
      protocol: PROTOCOL_NAME,
      version: Math.min(PROTOCOL_VERSION, hello.version),
      maxFrameBytes: limits.maxFrameBytes,
      initialWindowBytes: limits.initialWindowBytes,
      maxConcurrentCalls: limits.maxConcurrentCalls,
      features: SUPPORTED_FEATURES,
    });
    if (this.#host.draining) this.goAway(ErrorCode.UNAVAILABLE, 'server is stopping');
  }

  #onRequest(frame: Frame): void {
    const id = frame.callId;
    if (id <= this.#highestCallId) {
      this.#onProtocolError(new ProtocolError(`call id ${id} reused or out of order`, 0, false));
      return;
    }
    this.#highestCallId = id;
    let inlineMessage: Uint8Array | undefined;
    let bodyFrame = frame;
    if ((frame.flags & FrameFlag.WITH_MESSAGE) !== 0) {
      const parts = decodeRequestWithMessage(frame.payload);
      if (parts === undefined) {
        this.#onProtocolError(new ProtocolError('malformed REQUEST|WITH_MESSAGE', id, false));
        this.#reject(id, ErrorCode.PROTOCOL_ERROR, 'malformed REQUEST frame');
        return;
      }
      inlineMessage = parts.message;
      bodyFrame = { ...frame, payload: parts.body };
    }
    const body = this.#decode(bodyFrame, Envelopes.request);
    if (body === undefined) {
      this.#reject(id, ErrorCode.PROTOCOL_ERROR, 'malformed REQUEST frame');
      return;
    }
    if (this.#goAwaySent || this.#host.draining) {
      this.#reject(id, ErrorCode.UNAVAILABLE, 'server is stopping');
      return;
    }
    if (this.calls.size >= this.#host.limits.maxConcurrentCalls) {
      this.#reject(
        id,
        ErrorCode.RESOURCE_EXHAUSTED,
        `more than ${this.#host.limits.maxConcurrentCalls} concurrent calls on one connection`,
      );
      return;
    }
    const registered = this.#host.lookup(body.method);
    if (registered === undefined) {
      this.#reject(id, ErrorCode.NOT_FOUND, `unknown method "${body.method}"`);
      return;
    }
    const call = new ServerCall(this, {
      id,
      method: body.method,
      metadata: toMetadata(body.metadata),
      timeoutMs: body.timeoutMs,
      registration: registered.registration,
      chain: registered.chain,
    });
    this.calls.add(call);
    if (inlineMessage !== undefined) {
      call.received(inlineMessage);
      call.inbound.end();
    }
    call.run();
  }

  /** Refuses a call before any handler saw it. */
  #reject(id: number, code: ErrorCode, message: string): void {
    this.#host.onCallRejected();
    this.channel.sendEnvelope(FrameType.TRAILERS, id, Envelopes.trailers, {
      code,
      message,
      notProcessed: true,
    });
  }

  /** The open call a frame belongs to; frames for finished calls are dropped quietly. */
  #callFor(frame: Frame): ServerCall | undefined {
    const call = this.calls.get(frame.callId);
    if (call === undefined && frame.callId > this.#highestCallId) {
      this.#onProtocolError(
        new ProtocolError(`frame for call ${frame.callId} that was never opened`, 0, false),
      );
    }
    return call;
  }

  #decode<T>(frame: Frame, codec: { decode(bytes: Uint8Array): T }): T | undefined {
    try {
      return codec.decode(frame.payload);
    } catch {
      this.#onProtocolError(
        new ProtocolError(`malformed body in frame type ${frame.type}`, frame.callId, false),
      );
      return undefined;
    }
  }

  #failCall(call: ServerCall, message: string, code: ErrorCode = ErrorCode.PROTOCOL_ERROR): void {
    this.#host.onProtocolError(new ProtocolError(message, call.id, false));
    call.abort(new RpcError(code, message), true);
  }

  #onProtocolError(error: ProtocolError): void {
    if (!this.#helloReceived && !this.channel.closed) {
      this.#host.onProtocolError(error);
      this.goAway(ErrorCode.PROTOCOL_ERROR, 'expected an rpcnet HELLO');
      void this.channel.close();
      return;
    }
    const call = error.callId === 0 ? undefined : this.calls.get(error.callId);
    if (call !== undefined) {
      this.#host.onProtocolError(error);
      call.abort(new RpcError(error.code, error.message), true);
      return;
    }
    this.#host.onProtocolError(error);
    if (error.fatal) {
      this.goAway(ErrorCode.PROTOCOL_ERROR, error.message);
      void this.channel.close();
    } else if (error.frameType === FrameType.REQUEST && error.callId > this.#highestCallId) {
      // An oversized REQUEST: the call never opened, so answer it directly.
      this.#highestCallId = error.callId;
      this.#reject(error.callId, error.code, error.message);
    }
  }

  #onClose(error?: Error): void {
    const reason = new RpcError(
      ErrorCode.UNAVAILABLE,
      error ? `connection lost: ${error.message}` : 'connection closed',
    );
    for (const call of this.calls.values()) call.abort(reason, false);
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
    this.#host.onConnectionClosed(this);
  }
}
