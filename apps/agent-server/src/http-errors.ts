import { type EventKitErrorCode, isEventKitError } from '@eventkit/core';
import type { Context, ErrorHandler, Hono, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from './app-types.js';
import type { Logger } from './logging/logger.js';

/** The one place where error codes become HTTP statuses. */
const STATUS: Record<EventKitErrorCode, 400 | 404 | 500 | 502 | 503> = {
  INVALID_INPUT: 400,
  INVALID_CONFIG: 500,
  NOT_FOUND: 404,
  INVALID_MANIFEST: 500,
  MANIFEST_NOT_FOUND: 500,
  UNREADABLE_INPUT: 500,
  WRITE_FAILED: 500,
  UPSTREAM_FAILED: 502,
  UPSTREAM_AUTH_FAILED: 502,
  UPSTREAM_UNAVAILABLE: 503,
};

function traceSuffix(c: Context<AppEnv>): string {
  const trace = c.get('trace');
  return trace ? ` (trace ${trace.traceId})` : '';
}

/**
 * Client errors (4xx) answer with their message, which says what to fix. Server errors answer
 * with a generic text and the trace id; the real message goes to the log and telemetry only,
 * so file paths and upstream details never reach a caller.
 */
export function createErrorHandler(logger: Logger): ErrorHandler<AppEnv> {
  return (error, c) => {
    if (error instanceof HTTPException) {
      c.set('failure', error.message || `HTTP ${error.status}`);
      return c.json({ error: error.message || 'Request failed' }, error.status);
    }
    const status = isEventKitError(error) ? STATUS[error.code] : 500;
    const message = error instanceof Error ? error.message : String(error);
    c.set('failure', message);
    if (status < 500) return c.json({ error: message }, status);
    if (!isEventKitError(error)) {
      logger.error(
        `Unexpected error${traceSuffix(c)}: ${error instanceof Error ? error.stack : message}`,
      );
    }
    const text =
      status === 502 || status === 503
        ? 'The session source is unavailable; try again later'
        : 'Internal server error; the operator can find it in the log';
    return c.json({ error: `${text}${traceSuffix(c)}` }, status);
  };
}

/**
 * Requests no route answers, recorded as telemetry action `unknown`: 404, or 405 with `Allow`
 * when the path is served by other methods (`methodsByPath`: path → methods, e.g. from
 * `allowedMethods(app)`).
 */
export function createNotFoundHandler(
  methodsByPath: ReadonlyMap<string, readonly string[]>,
): NotFoundHandler<AppEnv> {
  return (c) => {
    const method = c.req.method;
    c.set('action', 'unknown');
    c.set('telemetryPayload', { method: method.slice(0, 16) });
    const allowed = methodsByPath.get(c.req.path);
    if (allowed) {
      c.set('failure', 'method not allowed');
      c.header('Allow', allowed.join(', '));
      return c.json(
        { error: `${c.req.path} does not take ${method}; use ${allowed.join(', ')}` },
        405,
      );
    }
    c.set('failure', 'unknown route');
    return c.json(
      { error: 'Not found; the agent serves /recommend, /explain, /export and /health' },
      404,
    );
  };
}

/** The methods each path of `app` answers (a GET route answers HEAD too); middleware excluded. */
export function allowedMethods(app: Hono<AppEnv>): Map<string, string[]> {
  const methods = new Map<string, string[]>();
  for (const { method, path } of app.routes) {
    if (method === 'ALL' || path.includes('*')) continue;
    const list = methods.get(path) ?? [];
    for (const m of method === 'GET' ? ['GET', 'HEAD'] : [method]) {
      if (!list.includes(m)) list.push(m);
    }
    methods.set(path, list);
  }
  return methods;
}
