import { ExportResultCode } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * A span exporter that drops every batch at once: what the SDK costs the process that records
 * spans, without an exporter's serialization and I/O (those depend on the backend).
 */
export const droppingSpanExporter: SpanExporter = {
  export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }),
  shutdown: () => Promise.resolve(),
};
