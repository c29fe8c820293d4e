import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-types.js';
import { requestHeader } from '../request-input.js';
import { HEALTH_PATHS } from './observe.js';
import { clientKey, type RateLimiter } from './rate-limit.js';

/**
 * Per-client token buckets; 429 with Retry-After and telemetry action `rate_limited`. The client
 * is the one `observe` found (it runs first, on every request but the probes, which are exempt).
 */
export function rateLimit(limiter: RateLimiter): MiddlewareHandler<AppEnv> {
  if (!limiter.enabled) return async (_c, next) => next();
  return async (c, next) => {
    if (HEALTH_PATHS.has(c.req.path) || c.req.method === 'OPTIONS') return next();
    const decision = limiter.take(clientKey(c.get('client')));
    if (decision.allowed) return next();
    const route = c.get('action');
    c.set('action', 'rate_limited');
    c.set('telemetryPayload', { route, retry_after_s: decision.retryAfterSeconds });
    c.set('failure', 'rate limit exceeded');
    c.header('Retry-After', String(decision.retryAfterSeconds));
    return c.json(
      {
        error: `Too many requests from this client; retry after ${decision.retryAfterSeconds} s`,
      },
      429,
    );
  };
}

/**
 * 414 for URLs (and so query strings) longer than `maxUrlBytes`; 413 for a declared body over
 * `maxBodyBytes`, 411 for a chunked body (no length declared). The agent's routes never read a
 * body, so the headers decide; hono's bodyLimit would build a full fetch Request for every
 * request just to look. One middleware for both: every layer is an async step of each request.
 */
export function requestLimits({
  maxUrlBytes,
  maxBodyBytes,
}: {
  maxUrlBytes: number;
  maxBodyBytes: number;
}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const url = c.req.url;
    // A string's length never exceeds its UTF-8 byte length by more than 3x; count bytes only
    // when the URL could be over the limit.
    const length = url.length * 3 <= maxUrlBytes ? url.length : Buffer.byteLength(url);
    if (length > maxUrlBytes) {
      c.set('failure', 'URL too long');
      return c.json({ error: `URL is ${length} bytes; the limit is ${maxUrlBytes}` }, 414);
    }
    const declared = requestHeader(c, 'content-length');
    if (declared !== undefined && Number(declared) > maxBodyBytes) {
      c.set('failure', 'request body too large');
      return c.json({ error: `Request body is larger than ${maxBodyBytes} bytes` }, 413);
    }
    if (requestHeader(c, 'transfer-encoding') !== undefined) {
      c.set('failure', 'request body without length');
      return c.json({ error: 'Send a Content-Length with a request body' }, 411);
    }
    return next();
  };
}
