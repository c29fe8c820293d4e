import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-types.js';
import { requestHeader } from '../request-input.js';
import { respond, setResponseHeader } from '../response-headers.js';

export interface CorsOptions {
  allowMethods: readonly string[];
  allowHeaders: readonly string[];
  exposeHeaders: readonly string[];
  maxAgeSeconds: number;
  /** True once shutdown began: answers then say `Connection: close`. */
  draining?: () => boolean;
}

/**
 * CORS as the Python agent did it: `Access-Control-Allow-Origin: *` on every answer, the trace
 * headers exposed, preflights answered with 204. Written here rather than hono/cors because
 * that one edits the response after the handler, which turns @hono/node-server's cached
 * string responses into streams (measured: most of a request's cost), and sets its headers
 * with `c.header()` (see `setResponseHeader`).
 */
export function cors({
  allowMethods,
  allowHeaders,
  exposeHeaders,
  maxAgeSeconds,
  draining,
}: CorsOptions): MiddlewareHandler<AppEnv> {
  const expose = exposeHeaders.join(',');
  const methods = allowMethods.join(',');
  const headers = allowHeaders.join(',');
  return async (c, next) => {
    setResponseHeader(c, 'Access-Control-Allow-Origin', '*');
    setResponseHeader(c, 'Access-Control-Expose-Headers', expose);
    if (draining?.()) setResponseHeader(c, 'Connection', 'close');
    if (c.req.method === 'OPTIONS' && requestHeader(c, 'access-control-request-method')) {
      setResponseHeader(c, 'Access-Control-Allow-Methods', methods);
      setResponseHeader(c, 'Access-Control-Allow-Headers', headers);
      setResponseHeader(c, 'Access-Control-Max-Age', String(maxAgeSeconds));
      return respond(c, null, 204);
    }
    return next();
  };
}
