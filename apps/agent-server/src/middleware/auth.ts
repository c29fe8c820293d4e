import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-types.js';
import { requestHeader } from '../request-input.js';
import { HEALTH_PATHS } from './observe.js';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * `Authorization: Bearer <API_TOKEN>` on everything but the health routes and CORS preflights.
 * Tokens are compared as SHA-256 digests with timingSafeEqual, so neither the content nor the
 * length of the token leaks through timing. A refusal is a 401 JSON and telemetry action
 * `unauthorized`.
 */
export function bearerAuth(apiToken: string | undefined): MiddlewareHandler<AppEnv> {
  if (!apiToken) return async (_c, next) => next();
  const expected = digest(apiToken);
  return async (c, next) => {
    if (HEALTH_PATHS.has(c.req.path) || c.req.method === 'OPTIONS') return next();
    const header = requestHeader(c, 'authorization') ?? '';
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (match?.[1] && timingSafeEqual(digest(match[1]), expected)) return next();
    const reason = header === '' ? 'missing' : 'invalid';
    const route = c.get('action');
    c.set('action', 'unauthorized');
    c.set('telemetryPayload', { reason, route });
    c.set('failure', `${reason} bearer token`);
    c.header('WWW-Authenticate', 'Bearer realm="event-agent"');
    return c.json(
      {
        error:
          reason === 'missing'
            ? 'Authentication required: send "Authorization: Bearer <API_TOKEN>"'
            : 'Invalid bearer token',
      },
      401,
    );
  };
}
