import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * A `node:http` request handler answering with `registry`'s metrics in the Prometheus text
 * format: `http.createServer(metricsHandler(registry)).listen(9464)`. Any path is answered;
 * mount it at `/metrics` in a larger server.
 */
export function metricsHandler(
  registry: Registry,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': registry.contentType });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(
          `collecting metrics failed: ${error instanceof Error ? error.message : String(error)}\n`,
        );
      },
    );
  };
}
