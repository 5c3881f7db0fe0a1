import { type Tracer, type TracerProvider, trace } from '@opentelemetry/api';

/** Settings shared by rpcnet's tracing interceptors. */
export interface RpcTracingOptions {
  /** Where spans go. Default: the global tracer provider (the one your SDK registered). */
  tracerProvider?: TracerProvider;
}

/** The tracer of rpcnet's spans (instrumentation scope `@rpcnet/opentelemetry`). */
export function rpcTracer(options: RpcTracingOptions = {}): Tracer {
  const provider = options.tracerProvider ?? trace.getTracerProvider();
  return provider.getTracer('@rpcnet/opentelemetry');
}
