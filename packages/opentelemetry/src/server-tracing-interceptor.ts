import {
  type Context,
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  trace,
} from '@opentelemetry/api';
import type { ServerCallFn, ServerInterceptor, ServerRequest, ServerResponse } from '@rpcnet/core';
import { endSpan } from './span-status.js';
import { type RpcTracingOptions, rpcTracer } from './tracer.js';

/**
 * A server span per handled call, child of the caller's span when the call's metadata carries a
 * W3C trace context, active while the handler runs (streaming handlers included).
 */
export function tracingServerInterceptor(options: RpcTracingOptions = {}): ServerInterceptor {
  const tracer = rpcTracer(options);
  return (next) => (request) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.context.metadata);
    const span = tracer.startSpan(
      request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'rpc.system': 'rpcnet',
          'rpc.method': request.method,
          'rpcnet.call_kind': request.kind,
          'client.address': request.context.peer,
        },
      },
      parent,
    );
    if (!span.isRecording()) {
      // Unsampled (or no SDK): nothing to record at the call's end. The handler still runs in
      // the span's context, so its own calls carry the trace (and the sampling decision) on.
      span.end();
      if (parent === ROOT_CONTEXT && !isSpanContextValid(span.spanContext())) {
        return handledIn(undefined, next, request);
      }
      return untracedStreams(trace.setSpan(parent, span), next, request);
    }
    const active = trace.setSpan(parent, span);
    const handled = handledIn(active, next, request);
    const call = request.context;
    const outcome = (error?: unknown) => endSpan(span, error ?? call.error);
    // Without an async function: the promises it would make are a good part of a call's cost.
    return handled.then(
      (response) => {
        if (response.messages === undefined) {
          outcome();
          return response;
        }
        return { messages: within(active, response.messages, outcome) };
      },
      (error: unknown) => {
        endSpan(span, error);
        throw error;
      },
    );
  };
}

/** `next(request)` run inside `active` (request stream included), or as is without one. */
function handledIn(
  active: Context | undefined,
  next: ServerCallFn,
  request: ServerRequest,
): Promise<ServerResponse> {
  if (active === undefined) return next(request);
  const requests = request.messages;
  const passed =
    requests === undefined ? request : { ...request, messages: within(active, requests) };
  return context.with(active, next, undefined, passed);
}

/** The handler run inside `active` with no span to end: only its streams keep the context. */
function untracedStreams(
  active: Context,
  next: ServerCallFn,
  request: ServerRequest,
): Promise<ServerResponse> {
  const handled = handledIn(active, next, request);
  if (request.kind === 'unary' || request.kind === 'clientStream') return handled;
  return handled.then((response) =>
    response.messages === undefined ? response : { messages: within(active, response.messages) },
  );
}

/**
 * `source` read inside `active` (a streaming handler's body runs as it is read), with `onEnd`
 * told once when the reading ends: `error` when it failed.
 */
function within(
  active: Context,
  source: AsyncIterable<Uint8Array>,
  onEnd: (error?: unknown) => void = () => undefined,
): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = context.with(active, () => source[Symbol.asyncIterator]());
      let ended = false;
      const end = (error?: unknown) => {
        if (ended) return;
        ended = true;
        onEnd(error);
      };
      return {
        next: () =>
          context
            .with(active, () => iterator.next())
            .then(
              (result) => {
                if (result.done) end();
                return result;
              },
              (error: unknown) => {
                end(error);
                throw error;
              },
            ),
        return: (value?: unknown) => {
          end();
          return (
            context.with(active, () => iterator.return?.(value)) ??
            Promise.resolve({ done: true as const, value: undefined })
          );
        },
      };
    },
  };
}
