import { createServer, type Server } from 'node:http';
import type { Exporter } from './exporter.js';

export interface MetricsServerOptions {
  exporter: Exporter;
  startedAt?: number;
  now?: () => number;
}

/** `GET /metrics` (Prometheus text format) and the exporter's own `GET /health`; nothing else. */
export function createMetricsServer({
  exporter,
  startedAt = Date.now(),
  now = Date.now,
}: MetricsServerOptions): Server {
  return createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response
        .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' })
        .end('method not allowed\n');
      return;
    }
    if (path === '/metrics') {
      if (!exporter.status().caughtUp) {
        // A failed scrape, not a counter reset: see Exporter.status().caughtUp.
        response
          .writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' })
          .end('catching up on telemetry written since the last checkpoint; retry shortly\n');
        return;
      }
      exporter.registry.metrics().then(
        (text) => {
          response.writeHead(200, { 'content-type': exporter.registry.contentType }).end(text);
        },
        (error: unknown) => {
          response
            .writeHead(500, { 'content-type': 'text/plain' })
            .end(`cannot collect metrics: ${String(error)}\n`);
        },
      );
      return;
    }
    if (path === '/health') {
      const body = {
        status: 'healthy',
        timestamp: new Date(now()).toISOString(),
        uptime_seconds: Math.round((now() - startedAt) / 1000),
        ...exporter.status(),
      };
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(`${JSON.stringify(body)}\n`);
      return;
    }
    response
      .writeHead(404, { 'content-type': 'text/plain' })
      .end('not found: try /metrics or /health\n');
  });
}
