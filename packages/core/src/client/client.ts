import {
  ConfigError,
  formatHostPort,
  type Logger,
  MAX_TIMER_DELAY_MS,
  parseHostPort,
  resolveDeadline,
  silentLogger,
  systemWallClock,
  type WallClock,
} from '@rpcnet/base';
import { z } from 'zod';
import { CallObservers } from '../call/call-observations.js';
import { CallTable } from '../call/call-table.js';
import { deferred } from '../call/deferred.js';
import { type CallObserver, observersSchema } from '../call-observer.js';
import { createDefaultTransport, type QuicTuning } from '../default-transport.js';
import { ErrorCode, ProtocolError, RpcError } from '../errors.js';
import type { CallKind } from '../handlers.js';
import { chainInterceptors, interceptorsSchema } from '../interceptor-chain.js';
import { parseOptions, type RpcLimits, rpcLimitsSchema } from '../limits.js';
import { emptyMetadata, type Metadata, toMetadata } from '../metadata.js';
import { clockSchema, loggerSchema, transportSchema } from '../options-schemas.js';
import type { TlsOptions } from '../quic/tls.js';
import type {
  HostPort,
  Transport,
  TransportConnection,
  TransportConnectionStats,
} from '../transport.js';
import { Envelopes, type HelloBody } from '../wire/envelopes.js';
import {
  type Frame,
  FrameFlag,
  FrameType,
  MAX_CALL_ID,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
  SUPPORTED_FEATURES,
} from '../wire/frame.js';
import { FrameChannel } from '../wire/frame-channel.js';
import { checkCallOptions } from './call-options-check.js';
import { ClientCall, type ClientCallHost } from './client-call.js';
import type {
  ClientCallFn,
  ClientInterceptor,
  ClientRequest,
  ClientResponse,
} from './client-interceptor.js';

/** Per-call options. */
export interface CallOptions {
  /** Fail with DEADLINE_EXCEEDED after this many ms (sent to the server as the call's deadline). */
  timeoutMs?: number;
  /** Absolute deadline in epoch ms; the earlier of this and `timeoutMs` applies. */
  deadline?: number;
  /** Aborting cancels the call on both sides (CANCELLED). */
  signal?: AbortSignal;
  /** Request metadata (headers). */
  metadata?: Metadata;
}

/** Settings of {@link RpcClient.connect}. */
export interface RpcClientOptions {
  /** Carries the connection. Default: QUIC, configured with `tls`. */
  transport?: Transport;
  /** CA / verification settings for the default QUIC transport. */
  tls?: TlsOptions;
  /** Tuning of the default QUIC transport (e.g. `maxUdpPayloadSize`). */
  quic?: QuicTuning;
  /** Where the client logs. Default: silent. */
  logger?: Logger;
  /** Time source for deadlines and keep-alive: a wall clock (epoch ms). Default: the system clock. */
  clock?: WallClock;
  /** Connection limits; see {@link RpcLimits} for the defaults. */
  limits?: Partial<RpcLimits>;
  /** Bound on connecting, including the HELLO exchange. Default 10000 ms. */
  connectTimeoutMs?: number;
  /** Timeout applied to calls that set neither `timeoutMs` nor `deadline`. Default: none. */
  defaultTimeoutMs?: number;
  /** Wrap every call, the first outermost (metrics, tracing, auth). Default: none. */
  interceptors?: readonly ClientInterceptor[];
  /**
   * Told where each call starts and ends, synchronously, without taking part in it (metrics:
   * `RpcnetMetrics.clientObserver`). Default: none.
   */
  observers?: readonly CallObserver[];
}

const clientOptionsSchema = z.strictObject({
  transport: transportSchema.optional(),
  tls: z.unknown().optional(),
  quic: z.unknown().optional(),
  logger: loggerSchema.default(silentLogger),
  clock: clockSchema.default(systemWallClock),
  limits: rpcLimitsSchema.default(rpcLimitsSchema.parse({})),
  connectTimeoutMs: z.number().int().positive().max(MAX_TIMER_DELAY_MS).default(10_000),
  defaultTimeoutMs: z.number().int().positive().optional(),
  interceptors: interceptorsSchema.optional(),
  observers: observersSchema.optional(),
});

type ResolvedClientOptions = z.output<typeof clientOptionsSchema>;

/** A stream of response messages with the call's response headers and trailers. */
export type ResponseStream = AsyncIterable<Uint8Array> & {
  /** Response headers; resolve with the first message or the status. */
  readonly headers: Promise<Metadata>;
  /** Response trailers; resolve on success, reject with the call's RpcError. */
  readonly trailers: Promise<Metadata>;
};

/** A client-streaming call in progress. */
export interface ClientStreamCall {
  /** Sends a request message; resolves once flow control let it go. */
  send(message: Uint8Array): Promise<void>;
  /** Ends the request stream. */
  end(): void;
  /** The single response. */
  readonly response: Promise<Uint8Array>;
  readonly headers: Promise<Metadata>;
  readonly trailers: Promise<Metadata>;
}

/** A bidirectional-streaming call in progress. */
export interface BidiStreamCall {
  /** Sends a request message; resolves once flow control let it go. */
  send(message: Uint8Array): Promise<void>;
  /** Ends the request stream. */
  end(): void;
  /** The response messages. */
  readonly responses: ResponseStream;
}

/** Counters of an {@link RpcClient}. */
export interface RpcClientMetrics {
  readonly inFlight: number;
  readonly callsStarted: number;
  /** Malformed, oversized or unexpected frames received. */
  readonly protocolErrors: number;
}

/** Calls RPC methods over one multiplexed connection. Create with {@link RpcClient.connect}. */
export class RpcClient {
  /** The server this client is connected to. */
  readonly address: HostPort;
  readonly #options: ResolvedClientOptions;
  readonly #channel: FrameChannel;
  readonly #calls = new CallTable<ClientCall>();
  readonly #hello = deferred<HelloBody>();
  readonly #closeListeners = new Set<(error?: Error) => void>();
  readonly #callHost: ClientCallHost;
  /** The interceptor chain; undefined without interceptors, so plain calls pay nothing. */
  readonly #intercepted: ClientCallFn | undefined;
  /** `host:port` of the server, as interceptors see it. */
  readonly #peer: string;
  #peerMaxFrameBytes: number;
  #peerWindowBytes: number;
  #peerMaxConcurrentCalls: number;
  #features = 0;
  #nextCallId = 0;
  #closed = false;
  #draining = false;
  #callsStarted = 0;
  #protocolErrors = 0;

  private constructor(
    connection: TransportConnection,
    address: HostPort,
    options: ResolvedClientOptions,
  ) {
    this.address = address;
    this.#peer = formatHostPort(address);
    this.#options = options;
    this.#peerMaxFrameBytes = options.limits.maxFrameBytes;
    this.#peerWindowBytes = options.limits.initialWindowBytes;
    this.#peerMaxConcurrentCalls = options.limits.maxConcurrentCalls;
    this.#channel = new FrameChannel(
      connection,
      {
        onFrame: (frame) => this.#onFrame(frame),
        onProtocolError: (error) => this.#onProtocolError(error),
        onClose: (error) => this.#onClose(error),
      },
      { limits: options.limits, clock: options.clock, logger: options.logger },
    );
    const client = this;
    this.#callHost = {
      channel: this.#channel,
      get peerMaxFrameBytes() {
        return client.#peerMaxFrameBytes;
      },
      get features() {
        return client.#features;
      },
      get peerWindowBytes() {
        return client.#peerWindowBytes;
      },
      windowBytes: options.limits.initialWindowBytes,
      observers:
        options.observers === undefined || options.observers.length === 0
          ? undefined
          : new CallObservers(options.observers as readonly CallObserver[], options.logger),
      onCallFinished: (call) => this.#onCallFinished(call),
    };
    this.#intercepted = chainInterceptors<ClientRequest, ClientResponse>(
      options.interceptors as readonly ClientInterceptor[] | undefined,
      // A throw here (options an interceptor broke) arrives as the chain's rejection.
      (request) => {
        const call = this.#startRequest(request);
        // A unary call settles with its status; the others as soon as they started.
        if (request.kind !== 'unary') return Promise.resolve(callResponse(call));
        call.completeWith(callResponse);
        return call.completion.promise as Promise<ClientResponse>;
      },
    );
  }

  /**
   * Connects to an RPC server and completes the protocol HELLO. Fails with UNAVAILABLE
   * (notProcessed) when the server cannot be reached in `connectTimeoutMs`.
   */
  static async connect(
    address: string | HostPort,
    options: RpcClientOptions = {},
  ): Promise<RpcClient> {
    const resolved = parseOptions(clientOptionsSchema, options, 'RpcClient');
    const target = typeof address === 'string' ? parseHostPort(address) : address;
    if (
      typeof target !== 'object' ||
      target === null ||
      typeof target.host !== 'string' ||
      typeof target.port !== 'number'
    ) {
      throw new TypeError(
        `RpcClient.connect: address must be "host:port" or { host, port }, got ${JSON.stringify(address)}`,
      );
    }
    const where = formatHostPort(target);
    // The default transport's own connect bound follows this one unless `quic` sets it.
    const transport =
      resolved.transport ??
      (await createDefaultTransport(options.tls, resolved.logger, {
        connectTimeoutMs: resolved.connectTimeoutMs,
        ...options.quic,
      }));
    const abort = new AbortController();
    const cancelTimer = resolved.clock.setTimer(resolved.connectTimeoutMs, () =>
      abort.abort(
        new RpcError(
          ErrorCode.UNAVAILABLE,
          `connecting to ${where} timed out after ${resolved.connectTimeoutMs} ms`,
          {
            notProcessed: true,
          },
        ),
      ),
    );
    try {
      const connection = await transport.connect(target, { signal: abort.signal });
      const client = new RpcClient(connection, target, resolved);
      await client.#handshake(abort.signal);
      return client;
    } catch (error) {
      // A setting that cannot work (a missing CA file, a garbled key) is not an outage.
      if (error instanceof RpcError || error instanceof ConfigError) throw error;
      // Our own timer fired: report the timeout, not the transport's "aborted".
      if (abort.signal.aborted && abort.signal.reason instanceof RpcError)
        throw abort.signal.reason;
      const reason = error instanceof Error ? error.message : String(error);
      throw new RpcError(ErrorCode.UNAVAILABLE, `cannot connect to ${where}: ${reason}`, {
        notProcessed: true,
        cause: error,
      });
    } finally {
      cancelTimer();
    }
  }

  /** True once the connection is closed; every later call fails with UNAVAILABLE. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Calls in progress. */
  get inFlight(): number {
    return this.#calls.size;
  }

  /** A snapshot of the client's counters. */
  get metrics(): RpcClientMetrics {
    return {
      inFlight: this.#calls.size,
      callsStarted: this.#callsStarted,
      protocolErrors: this.#protocolErrors,
    };
  }

  /** Counters of the transport connection (RTT, congestion window, packets), where it keeps them. */
  transportStats(): TransportConnectionStats | undefined {
    return this.#channel.connection.stats?.();
  }

  /** Runs `listener` once when the connection closes (`error` unless closed gracefully). */
  onClose(listener: (error?: Error) => void): () => void {
    if (this.#closed) {
      queueMicrotask(() => listener());
      return () => undefined;
    }
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /** Calls a unary method. */
  unary(method: string, request: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    // Not an async function: each promise less is a measurable share of a call's cost.
    if (this.#intercepted !== undefined) {
      return interceptedUnaryResponse(this.#intercept('unary', method, options, request));
    }
    let call: ClientCall;
    try {
      call = this.#startCall('unary', method, options, request);
    } catch (error) {
      return Promise.reject(error);
    }
    return singleResponse(call);
  }

  /** Calls a server-streaming method; iterate the result for the responses. */
  serverStream(method: string, request: Uint8Array, options: CallOptions = {}): ResponseStream {
    if (this.#intercepted !== undefined) {
      const call = pendingResponse(this.#intercept('serverStream', method, options, request));
      return {
        [Symbol.asyncIterator]: () => call.messages[Symbol.asyncIterator](),
        headers: call.headers,
        trailers: call.trailers,
      };
    }
    return responseStream(this.#startCallOrFailed('serverStream', method, options, request));
  }

  /** Calls a client-streaming method: `send` requests, `end`, then await `response`. */
  clientStream(method: string, options: CallOptions = {}): ClientStreamCall {
    if (this.#intercepted !== undefined) {
      const call = pendingResponse(this.#intercept('clientStream', method, options));
      const response = builtSingleResponse(call);
      response.catch(() => undefined);
      const { send, end, headers, trailers } = call;
      return { send, end, response, headers, trailers };
    }
    const call = this.#startCallOrFailed('clientStream', method, options);
    const response = singleResponse(call);
    response.catch(() => undefined);
    return {
      send: (message) => call.send(message),
      end: () => call.end(),
      response,
      headers: call.headers.promise,
      trailers: call.trailers.promise,
    };
  }

  /** Calls a bidirectional-streaming method. */
  bidiStream(method: string, options: CallOptions = {}): BidiStreamCall {
    if (this.#intercepted !== undefined) {
      const call = pendingResponse(this.#intercept('bidiStream', method, options));
      const responses = {
        [Symbol.asyncIterator]: () => call.messages[Symbol.asyncIterator](),
        headers: call.headers,
        trailers: call.trailers,
      };
      return { send: call.send, end: call.end, responses };
    }
    const call = this.#startCallOrFailed('bidiStream', method, options);
    return {
      send: (message) => call.send(message),
      end: () => call.end(),
      responses: responseStream(call),
    };
  }

  /** Closes the connection; calls in flight fail with UNAVAILABLE. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#failAll('client closed');
    await this.#channel.close();
  }

  async #handshake(signal: AbortSignal): Promise<void> {
    this.#channel.start();
    const limits = this.#options.limits;
    this.#channel.sendEnvelope(FrameType.HELLO, 0, Envelopes.hello, {
      protocol: PROTOCOL_NAME,
      version: PROTOCOL_VERSION,
      maxFrameBytes: limits.maxFrameBytes,
      initialWindowBytes: limits.initialWindowBytes,
      maxConcurrentCalls: limits.maxConcurrentCalls,
      features: SUPPORTED_FEATURES,
    });
    const onAbort = () => this.#hello.reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const hello = await this.#hello.promise;
      if (hello.maxFrameBytes > 0) this.#peerMaxFrameBytes = hello.maxFrameBytes;
      this.#features = hello.features & SUPPORTED_FEATURES;
      if (hello.initialWindowBytes > 0) this.#peerWindowBytes = hello.initialWindowBytes;
      if (hello.maxConcurrentCalls > 0) {
        this.#peerMaxConcurrentCalls = Math.min(
          hello.maxConcurrentCalls,
          limits.maxConcurrentCalls,
        );
      }
    } catch (error) {
      await this.#channel.close(error instanceof Error ? error : undefined);
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Runs a call through the interceptor chain; rejects when an interceptor or the start fails
   * (with the chain's own error: {@link interceptedUnaryResponse} and {@link pendingResponse}
   * turn it into an RpcError).
   */
  #intercept(
    kind: ClientRequest['kind'],
    method: string,
    options: CallOptions,
    message?: Uint8Array,
  ): Promise<ClientResponse> {
    try {
      checkCallOptions(options);
      const deadline = resolveDeadline(
        options,
        this.#nowFor(options),
        this.#options.defaultTimeoutMs,
      );
      const started = (this.#intercepted as ClientCallFn)({
        kind,
        method,
        metadata: options.metadata ?? emptyMetadata,
        deadline: Number.isFinite(deadline) ? deadline : undefined,
        signal: options.signal,
        message,
        peer: this.#peer,
      });
      return started;
    } catch (error) {
      return Promise.reject(RpcError.from(error, ErrorCode.INTERNAL));
    }
  }

  /** The end of the interceptor chain: starts the call the (possibly changed) request describes. */
  #startRequest(request: ClientRequest): ClientCall {
    // Checked like a caller's options: an interceptor may have replaced any of them.
    checkCallOptions(request);
    const now = this.#nowFor(request);
    const deadline = resolveDeadline(request, now, this.#options.defaultTimeoutMs);
    return this.#open(
      request.kind,
      request.method,
      request.metadata,
      deadline,
      now,
      request.signal,
      request.message,
    );
  }

  /** Starts a call, or returns an already failed one so streams report errors when read. */
  #startCallOrFailed(
    kind: CallKind,
    method: string,
    options: CallOptions,
    message?: Uint8Array,
  ): ClientCall {
    try {
      return this.#startCall(kind, method, options, message);
    } catch (error) {
      const failed = new ClientCall(this.#callHost, 0, kind, method);
      failed.fail(RpcError.from(error, ErrorCode.INTERNAL));
      return failed;
    }
  }

  #startCall(
    kind: CallKind,
    method: string,
    options: CallOptions,
    message?: Uint8Array,
  ): ClientCall {
    checkCallOptions(options);
    const now = this.#nowFor(options);
    const deadline = resolveDeadline(options, now, this.#options.defaultTimeoutMs);
    return this.#open(
      kind,
      method,
      options.metadata ?? emptyMetadata,
      deadline,
      now,
      options.signal,
      message,
    );
  }

  /**
   * The clock, read only when a call has a deadline: without one, 0 serves (its deadline is
   * Infinity), and a call saves the read.
   */
  #nowFor(options: { deadline?: number | undefined; timeoutMs?: number | undefined }): number {
    return options.deadline === undefined &&
      options.timeoutMs === undefined &&
      this.#options.defaultTimeoutMs === undefined
      ? 0
      : this.#options.clock.now();
  }

  /** Opens a call whose options were checked; `deadline` is Infinity for none. */
  #open(
    kind: CallKind,
    method: string,
    metadata: Metadata,
    deadline: number,
    now: number,
    signal: AbortSignal | undefined,
    message: Uint8Array | undefined,
  ): ClientCall {
    const refused = this.#refusal(deadline, now, signal, message);
    if (refused !== undefined) {
      this.#observeRefused(kind, method, refused);
      throw refused;
    }
    this.#nextCallId += 1;
    const call = new ClientCall(this.#callHost, this.#nextCallId, kind, method);
    call.observe();
    this.#calls.add(call);
    this.#callsStarted += 1;
    const remainingMs = deadline - now;
    const wireTimeoutMs = Number.isFinite(remainingMs)
      ? Math.min(Math.max(1, Math.ceil(remainingMs)), MAX_CALL_ID)
      : 0;
    call.open(method, metadata, wireTimeoutMs, message);
    if (wireTimeoutMs > 0) {
      const cancelTimer = this.#options.clock.setTimer(remainingMs, () =>
        call.cancel(
          new RpcError(ErrorCode.DEADLINE_EXCEEDED, `deadline of ${wireTimeoutMs} ms exceeded`),
        ),
      );
      call.onFinish(cancelTimer);
    }
    if (signal !== undefined) {
      const onAbort = () =>
        call.cancel(
          new RpcError(ErrorCode.CANCELLED, 'cancelled by the caller', { cause: signal.reason }),
        );
      signal.addEventListener('abort', onAbort, { once: true });
      call.onFinish(() => signal.removeEventListener('abort', onAbort));
    }
    return call;
  }

  /** Why a call cannot start now, if it cannot. */
  #refusal(
    deadline: number,
    now: number,
    signal: AbortSignal | undefined,
    message: Uint8Array | undefined,
  ): RpcError | undefined {
    if (this.#closed || this.#draining) {
      return new RpcError(
        ErrorCode.UNAVAILABLE,
        this.#closed ? 'the connection is closed' : 'the server is going away',
        { notProcessed: true },
      );
    }
    if (this.#calls.size >= this.#peerMaxConcurrentCalls) {
      return new RpcError(
        ErrorCode.RESOURCE_EXHAUSTED,
        `more than ${this.#peerMaxConcurrentCalls} calls in flight on one connection`,
        { notProcessed: true },
      );
    }
    if (signal?.aborted) {
      return new RpcError(ErrorCode.CANCELLED, 'cancelled before it started', {
        notProcessed: true,
      });
    }
    if (deadline <= now) {
      return new RpcError(ErrorCode.DEADLINE_EXCEEDED, 'deadline passed before the call started', {
        notProcessed: true,
      });
    }
    if (message !== undefined && message.length > this.#peerMaxFrameBytes) {
      return new RpcError(
        ErrorCode.RESOURCE_EXHAUSTED,
        `request message of ${message.length} bytes exceeds the server's limit of ${this.#peerMaxFrameBytes}`,
        { notProcessed: true },
      );
    }
    if (this.#nextCallId >= MAX_CALL_ID) {
      this.#draining = true;
      return new RpcError(ErrorCode.UNAVAILABLE, 'call ids exhausted; reconnect', {
        notProcessed: true,
      });
    }
    return undefined;
  }

  /** Observers hear of a call refused before it started as one that ended at once. */
  #observeRefused(kind: CallKind, method: string, error: RpcError): void {
    const observers = this.#callHost.observers;
    if (observers === undefined) return;
    const record = {
      kind,
      method,
      code: error.code,
      sentBytes: 0,
      receivedBytes: 0,
      sentMessages: 0,
      receivedMessages: 0,
    };
    const observation = observers.started(record);
    if (observation !== undefined) observers.ended(observation, record);
  }

  #onFrame(frame: Frame): void {
    if (frame.type === FrameType.HELLO) {
      const hello = this.#decode(frame, Envelopes.hello);
      if (hello?.protocol !== PROTOCOL_NAME) {
        this.#hello.reject(
          new RpcError(ErrorCode.PROTOCOL_ERROR, 'the server did not answer with an rpcnet HELLO', {
            notProcessed: true,
          }),
        );
        return;
      }
      this.#hello.resolve(hello);
      return;
    }
    if (frame.type === FrameType.GOAWAY) {
      this.#onGoAway(frame);
      return;
    }
    const call = this.#calls.get(frame.callId);
    if (call === undefined) {
      if (frame.callId > this.#nextCallId || frame.callId === 0) {
        this.#onProtocolError(
          new ProtocolError(`unexpected frame ${frame.type} for call ${frame.callId}`, 0, false),
        );
      }
      return;
    }
    switch (frame.type) {
      case FrameType.HEADERS: {
        const body = this.#decode(frame, Envelopes.headers);
        if (body !== undefined) call.onHeaders(toMetadata(body.metadata));
        return;
      }
      case FrameType.MESSAGE:
        call.onMessage(frame.payload);
        if (
          call.inbound.bufferedBytes >
          this.#options.limits.initialWindowBytes + this.#options.limits.maxFrameBytes
        ) {
          this.#onProtocolError(
            new ProtocolError('server exceeded the flow-control window', call.id, false),
          );
          return;
        }
        // IMPLICIT_OK_TRAILERS (announced in our HELLO): the call ended OK with this message.
        if ((frame.flags & FrameFlag.END_STREAM) !== 0) {
          call.onTrailers(OK_TRAILERS, emptyMetadata);
        }
        return;
      case FrameType.TRAILERS: {
        const body = this.#decode(frame, Envelopes.trailers);
        if (body !== undefined) call.onTrailers(body, toMetadata(body.metadata));
        return;
      }
      case FrameType.WINDOW_UPDATE: {
        const body = this.#decode(frame, Envelopes.windowUpdate);
        if (body !== undefined) call.grant(body.credit);
        return;
      }
      default:
        this.#onProtocolError(
          new ProtocolError(`unexpected frame type ${frame.type} from a server`, call.id, false),
        );
    }
  }

  #onGoAway(frame: Frame): void {
    const body = this.#decode(frame, Envelopes.goAway);
    const lastCallId = body?.lastCallId ?? 0;
    this.#draining = true;
    const reason = body?.message || 'the server is going away';
    this.#hello.reject(new RpcError(ErrorCode.UNAVAILABLE, reason, { notProcessed: true }));
    for (const call of this.#calls.values()) {
      if (call.id > lastCallId) {
        call.fail(new RpcError(ErrorCode.UNAVAILABLE, reason, { notProcessed: true }));
      }
    }
    if (this.#calls.size === 0) void this.#channel.close();
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

  #onProtocolError(error: ProtocolError): void {
    this.#protocolErrors += 1;
    this.#options.logger.warn('rpc protocol error', {
      message: error.message,
      callId: error.callId,
    });
    const call = this.#calls.get(error.callId);
    if (call !== undefined) call.cancel(new RpcError(error.code, error.message));
    if (error.fatal) void this.#channel.close(error);
  }

  #onCallFinished(call: ClientCall): void {
    this.#calls.delete(call);
    if (this.#draining && this.#calls.size === 0 && !this.#closed) void this.#channel.close();
  }

  #failAll(reason: string): void {
    for (const call of this.#calls.values()) {
      call.fail(new RpcError(ErrorCode.UNAVAILABLE, reason, { notProcessed: call.requestUnsent }));
    }
  }

  #onClose(error?: Error): void {
    this.#closed = true;
    this.#hello.reject(
      new RpcError(ErrorCode.UNAVAILABLE, 'connection closed during the HELLO exchange', {
        notProcessed: true,
        cause: error,
      }),
    );
    this.#failAll(error ? `connection lost: ${error.message}` : 'connection closed');
    for (const listener of [...this.#closeListeners]) {
      try {
        listener(error);
      } catch (listenerError) {
        this.#options.logger.error('rpc onClose listener failed', { error: String(listenerError) });
      }
    }
    this.#closeListeners.clear();
  }
}

/** The status of a call that ended with an END_STREAM message: OK, no trailers. */
const OK_TRAILERS = Envelopes.trailers.decode(new Uint8Array(0));

/**
 * A call's single response message, once its OK status arrived. The status waits for nothing
 * the caller holds: a server sends a single response without waiting for flow-control credit,
 * and the message arrives before the status.
 */
function singleResponse(call: ClientCall): Promise<Uint8Array> {
  call.completeWith(receivedSingleResponse);
  return call.completion.promise as Promise<Uint8Array>;
}

/** The single response message of a call whose status arrived OK. */
function receivedSingleResponse(call: ClientCall): Uint8Array {
  const message = call.inbound.shift();
  if (message === undefined) {
    throw new RpcError(ErrorCode.INTERNAL, 'the server sent no response message');
  }
  return message;
}

function rejectAsRpcError(error: unknown): never {
  throw RpcError.from(error, ErrorCode.INTERNAL);
}

/** Keys under which a call's view holds its call, and itself (a spread copy does not). */
const VIEWED_CALL = Symbol('rpcnet.viewedCall');
const VIEW = Symbol('rpcnet.view');

type CallView = ClientResponse & { [VIEWED_CALL]: ClientCall; [VIEW]: CallView | undefined };

/**
 * A call's view for interceptors: own data properties, so `{ ...response, send }` works (a
 * literal with getters would cost V8's slow path, microseconds per call). A chain that hands it
 * back unchanged lets the client read the call directly.
 */
function callResponse(call: ClientCall): ClientResponse {
  const view: CallView = {
    send: (message) => call.send(message),
    end: () => call.end(),
    messages: call.inbound,
    headers: call.headers.promise,
    trailers: call.trailers.promise,
    receivedBytes: () => call.receivedBytes,
    [VIEWED_CALL]: call,
    [VIEW]: undefined,
  };
  view[VIEW] = view;
  return view;
}

/** The call behind `response` when it is a call's own view, unchanged. */
function viewedCall(response: ClientResponse): ClientCall | undefined {
  const view = response as Partial<CallView>;
  return view[VIEW] === response ? view[VIEWED_CALL] : undefined;
}

/**
 * The single response of an intercepted unary call. The chain settles with the call, so a call's
 * own view arrives with its status OK and the message already taken in: one step, no awaits.
 */
function interceptedUnaryResponse(started: Promise<ClientResponse>): Promise<Uint8Array> {
  return started.then(unaryResponseOf, rejectAsRpcError);
}

function unaryResponseOf(response: ClientResponse): Uint8Array | Promise<Uint8Array> {
  const call = viewedCall(response);
  return call === undefined ? builtSingleResponse(response) : receivedSingleResponse(call);
}

/** The single response of a response an interceptor built itself. */
async function builtSingleResponse(response: ClientResponse): Promise<Uint8Array> {
  const iterator = response.messages[Symbol.asyncIterator]();
  const first = await iterator.next();
  await response.trailers;
  if (first.done) throw new RpcError(ErrorCode.INTERNAL, 'the server sent no response message');
  return first.value;
}

/**
 * A response usable at once while the interceptor chain is still starting the call: streaming
 * calls return synchronously. A chain that rejects fails every part with its error.
 */
function pendingResponse(started: Promise<ClientResponse>): ClientResponse {
  const ready = started.catch(rejectAsRpcError);
  ready.catch(() => undefined);
  const headers = ready.then((response) => response.headers);
  const trailers = ready.then((response) => response.trailers);
  headers.catch(() => undefined);
  trailers.catch(() => undefined);
  return {
    send: async (message) => (await ready).send(message),
    end: () => {
      ready.then(
        (response) => response.end(),
        () => undefined,
      );
    },
    messages: {
      async *[Symbol.asyncIterator]() {
        yield* (await ready).messages;
      },
    },
    headers,
    trailers,
  };
}

function responseStream(call: ClientCall): ResponseStream {
  return {
    [Symbol.asyncIterator]: () => call.inbound[Symbol.asyncIterator](),
    headers: call.headers.promise,
    trailers: call.trailers.promise,
  };
}
