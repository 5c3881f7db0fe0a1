import { type Context, context, propagation, SpanKind, trace } from '@opentelemetry/api';
import type { ClientInterceptor, Metadata } from '@rpcnet/core';
import { endSpan } from './span-status.js';
import { type RpcTracingOptions, rpcTracer } from './tracer.js';

/**
 * A client span per call, child of the active span, ended when the call's status arrives; the
 * W3C trace context (`traceparent`, `tracestate`) travels in the call's metadata.
 */
export function tracingClientInterceptor(options: RpcTracingOptions = {}): ClientInterceptor {
  const tracer = rpcTracer(options);
  const servers = new ServerAttributes();
  return (next) => (request) => {
    const parent = context.active();
    const server = servers.of(request.peer);
    const span = tracer.startSpan(
      request.method,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'rpc.system': 'rpcnet',
          'rpc.method': request.method,
          'rpcnet.call_kind': request.kind,
          'server.address': server.address,
          'server.port': server.port,
        },
      },
      parent,
    );
    const metadata = withTraceContext(request.metadata, trace.setSpan(parent, span));
    // The rest of the chain runs in the caller's context, not inside `context.with`: the span
    // reaches the server through the metadata, and entering a context costs every call.
    const passed = metadata === request.metadata ? request : { ...request, metadata };
    const started = next(passed);
    if (!span.isRecording()) {
      // Unsampled (or no SDK): nothing to record at the call's end, so no need to wait for it.
      span.end();
      return started;
    }
    // Without an async function: the promises it would make are a good part of a call's cost.
    return started.then(
      (response) => {
        // A unary call's response comes with its OK status; a stream's status comes later.
        if (request.kind === 'unary') {
          endSpan(span);
          return response;
        }
        response.trailers.then(
          () => endSpan(span),
          (error: unknown) => endSpan(span, error),
        );
        return response;
      },
      (error: unknown) => {
        endSpan(span, error);
        throw error;
      },
    );
  };
}

/**
 * `metadata` with what the global propagator injects for `active`: the same object when it
 * injects nothing (no SDK registered, or no valid span context), so the request is not copied.
 */
function withTraceContext(metadata: Metadata, active: Context): Metadata {
  const injected: Record<string, string> = {};
  propagation.inject(active, injected);
  for (const _ in injected) return { ...metadata, ...injected };
  return metadata;
}

/** `server.address` and `server.port` of each peer, parsed once (a client has one or a few). */
class ServerAttributes {
  readonly #byPeer = new Map<string, { address: string; port: number }>();

  of(peer: string): { address: string; port: number } {
    let server = this.#byPeer.get(peer);
    if (server === undefined) {
      const separator = peer.lastIndexOf(':');
      server = {
        address: peer.slice(0, separator).replace(/^\[|\]$/g, ''),
        port: Number(peer.slice(separator + 1)),
      };
      // Bounded: a cluster client's peers come and go.
      if (this.#byPeer.size >= 1024) this.#byPeer.clear();
      this.#byPeer.set(peer, server);
    }
    return server;
  }
}
