import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-types.js';
import { requestHeader } from '../request-input.js';

export interface CorsOptions {
  allowMethods: readonly string[];
  allowHeaders: readonly string[];
  exposeHeaders: readonly string[];
  maxAgeSeconds: number;
}

/**
 * CORS as the Python agent did it: `Access-Control-Allow-Origin: *` on every answer, the trace
 * headers exposed, preflights answered with 204. Written here rather than hono/cors because
 * that one sets its headers on `c.res` before the handler runs, so Hono must copy the handler's
 * answer into a new Response, and @hono/node-server then sends it as a stream instead of its
 * cached string: that costs more than the rest of the request (bench/RESULTS.md, server-load).
 */
export function cors({
  allowMethods,
  allowHeaders,
  exposeHeaders,
  maxAgeSeconds,
}: CorsOptions): MiddlewareHandler<AppEnv> {
  const expose = exposeHeaders.join(',');
  const methods = allowMethods.join(',');
  const headers = allowHeaders.join(',');
  return async (c, next) => {
    c.header('Access-Control-Allow-Origin', '*');
    c.header('Access-Control-Expose-Headers', expose);
    if (c.req.method === 'OPTIONS' && requestHeader(c, 'access-control-request-method')) {
      c.header('Access-Control-Allow-Methods', methods);
      c.header('Access-Control-Allow-Headers', headers);
      c.header('Access-Control-Max-Age', String(maxAgeSeconds));
      return c.body(null, 204);
    }
    return next();
  };
}
