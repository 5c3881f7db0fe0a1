import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import type { ClientInterceptor, ClientResponse } from '@rpcnet/core';
import { endSpan } from './span-status.js';
import { type RpcTracingOptions, rpcTracer } from './tracer.js';

/**
 * A client span per call, child of the active span, ended when the call's status arrives; the
 * W3C trace context (`traceparent`, `tracestate`) travels in the call's metadata.
 */
export function tracingClientInterceptor(options: RpcTracingOptions = {}): ClientInterceptor {
  const tracer = rpcTracer(options);
  return (next) => async (request) => {
    const parent = context.active();
    const separator = request.peer.lastIndexOf(':');
    const span = tracer.startSpan(
      request.method,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'rpc.system': 'rpcnet',
          'rpc.method': request.method,
          'rpcnet.call_kind': request.kind,
          'server.address': request.peer.slice(0, separator).replace(/^\[|\]$/g, ''),
          'server.port': Number(request.peer.slice(separator + 1)),
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    const metadata: Record<string, string> = { ...request.metadata };
    propagation.inject(active, metadata);
    let response: ClientResponse;
    try {
      response = await context.with(active, () => next({ ...request, metadata }));
    } catch (error) {
      endSpan(span, error);
      throw error;
    }
    response.trailers.then(
      () => endSpan(span),
      (error: unknown) => endSpan(span, error),
    );
    return response;
  };
}
