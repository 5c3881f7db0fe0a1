// biome-ignore-all assist/source/organizeImports: exports are grouped by concept, one block each.

// --- Basics from @rpcnet/base, re-exported where users import them today ---
export type { LogFields, Logger, PinoLikeLogger } from '@rpcnet/base';
export { pinoLogger, silentLogger } from '@rpcnet/base';

// --- Transport contract and addresses ---
export type {
  ChannelReceiver,
  HostPort,
  Transport,
  TransportConnection,
  TransportConnectionStats,
  TransportListener,
  TransportListenerStats,
} from './transport.js';
export { formatHostPort, parseHostPort } from '@rpcnet/base';

// --- Time: RPC deadlines are epoch ms, so core's clock is the wall clock ---
/** The clock `RpcClient` and `RpcServer` take: a {@link WallClock} (epoch milliseconds). */
export type { CancelTimer, WallClock as Clock, WallClock } from '@rpcnet/base';
export { systemWallClock as systemClock } from '@rpcnet/base';

// --- Errors ---
export type { RpcErrorOptions } from './errors.js';
export { ErrorCode, isErrorCode, ProtocolError, RpcConfigError, RpcError } from './errors.js';

// --- Metadata, call context and handlers ---
export type { CallContext } from './call-context.js';
export type {
  BidiStreamHandler,
  CallKind,
  ClientStreamHandler,
  ServerStreamHandler,
  UnaryHandler,
} from './handlers.js';
export type { Metadata } from './metadata.js';

// --- Call observers (metrics: told of each call's start and end, no promise per call) ---
export type {
  CallObservation,
  CallObserver,
  CallOutcome,
  ObservedCall,
} from './call-observer.js';
export { isCallObserver } from './call-observer.js';

// --- Interceptors (tracing, auth, logging around every call) ---
export type {
  ClientCallFn,
  ClientInterceptor,
  ClientRequest,
  ClientResponse,
} from './client/client-interceptor.js';
export type {
  ServerCallFn,
  ServerInterceptor,
  ServerRequest,
  ServerResponse,
} from './server/server-interceptor.js';

// --- Limits ---
export type { RpcLimits, RpcLimitsInput } from './limits.js';
export { defaultRpcLimits } from './limits.js';

// --- Server ---
export type {
  RpcServerMetrics,
  RpcServerOptions,
  RpcServerTransportStats,
} from './server/server.js';
export type { RpcServerStopHook } from './server/stop-hooks.js';
export { RpcServer } from './server/server.js';

// --- Client ---
export type {
  BidiStreamCall,
  CallOptions,
  ClientStreamCall,
  ResponseStream,
  RpcClientMetrics,
  RpcClientOptions,
} from './client/client.js';
export { RpcClient } from './client/client.js';
export type { QuicTuning } from './default-transport.js';

// --- Typed services ---
export type { MessageCodec } from './service/message-codec.js';
export { jsonCodec, rawCodec } from './service/message-codec.js';
export type { ProtobufTypes } from './service/protobuf-codec.js';
export { protobufTypes } from './service/protobuf-codec.js';
export { serviceClient } from './service/service-client.js';
export type {
  MethodDefinition,
  MethodMap,
  ServiceDefinition,
} from './service/service-definition.js';
export {
  bidiStreamMethod,
  clientStreamMethod,
  defineService,
  serverStreamMethod,
  unaryMethod,
} from './service/service-definition.js';
export type {
  ClientMethod,
  ServerMethod,
  ServiceClient,
  ServiceImplementation,
  TypedBidiStreamCall,
  TypedClientStreamCall,
  TypedResponseStream,
} from './service/typed-interfaces.js';

// --- In-memory transport (tests) ---
export type { InMemoryTransportOptions } from './in-memory-transport.js';
export { InMemoryTransport } from './in-memory-transport.js';

// Wire framing (frames, decoder, protocol version) is the subpath `@rpcnet/core/wire`.

// --- QUIC transport (src/quic/: the lean driver in lean/, the deprecated classic one in classic/) ---
export type { CongestionControl, QuicDriver, QuicTransportOptions } from './quic/config.js';
export type { DevCertificate, DevCertificateOptions } from './quic/dev-certificate.js';
export { createDevCertificate } from './quic/dev-certificate.js';
export type { QuicTransportErrorKind } from './quic/errors.js';
export { QuicTransportError } from './quic/errors.js';
export type { QuicLogLevel } from './quic/quic-logger.js';
export { createQuicLogger } from './quic/quic-logger.js';
export { QuicTransport } from './quic/quic-transport.js';
export type { PemSource, TlsOptions } from './quic/tls.js';
