import { type Span, SpanStatusCode } from '@opentelemetry/api';

/** Attribute carrying the call's status code (`OK` or the `RpcError` code). */
export const STATUS_CODE_ATTRIBUTE = 'rpc.response.status_code';

/** Ends `span` with the call's outcome: OK, or the error's code, message and exception event. */
export function endSpan(span: Span, error?: unknown): void {
  // An unsampled span records nothing: only its end matters.
  if (!span.isRecording()) {
    span.end();
    return;
  }
  if (error === undefined) {
    span.setAttribute(STATUS_CODE_ATTRIBUTE, 'OK');
  } else {
    const code = (error as { code?: unknown } | null)?.code;
    span.setAttribute(STATUS_CODE_ATTRIBUTE, typeof code === 'string' ? code : 'UNKNOWN');
    const message = error instanceof Error ? error.message : String(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    if (error instanceof Error) span.recordException(error);
  }
  span.end();
}
