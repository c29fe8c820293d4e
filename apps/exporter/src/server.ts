import { createServer, type Server } from 'node:http';
import type { Exporter } from './exporter.js';

export interface MetricsServerOptions {
  exporter: Exporter;
  startedAt?: number;
  now?: () => number;
}

/**
 * Whether a scraper prefers OpenMetrics, as Prometheus does (it stores the exemplars only with
 * `--enable-feature=exemplar-storage`). Anything else, curl included, gets the text format.
 */
export function acceptsOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false;
  let best: { type: string; q: number } | undefined;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const q = Number(params.find((param) => param.startsWith('q='))?.slice(2) ?? 1);
    if (!Number.isFinite(q) || q <= 0) continue;
    if (!best || q > best.q) best = { type, q };
  }
  return best?.type === 'application/openmetrics-text';
}

/** `GET /metrics` (Prometheus text format, or OpenMetrics when asked) and the exporter's own `GET /health`; nothing else. */
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
      exporter.exposition(acceptsOpenMetrics(request.headers.accept) ? 'openmetrics' : 'text').then(
        ({ contentType, text }) => {
          response.writeHead(200, { 'content-type': contentType, vary: 'Accept' }).end(text);
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
