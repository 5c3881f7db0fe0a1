export { tracingClientInterceptor } from './client-tracing-interceptor.js';
export {
  type ClusterClientEventSource,
  traceClusterClientEvents,
} from './cluster-client-tracing.js';
export { tracingServerInterceptor } from './server-tracing-interceptor.js';
export { STATUS_CODE_ATTRIBUTE } from './span-status.js';
export type { RpcTracingOptions } from './tracer.js';
