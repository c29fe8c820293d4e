import { type EventKitErrorCode, isEventKitError, type Logger } from '@eventkit/core';
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from './app-types.js';
import { respondJson } from './response-headers.js';

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
      return respondJson(c, { error: error.message || 'Request failed' }, error.status);
    }
    const status = isEventKitError(error) ? STATUS[error.code] : 500;
    const message = error instanceof Error ? error.message : String(error);
    c.set('failure', message);
    if (status < 500) return respondJson(c, { error: message }, status);
    if (!isEventKitError(error)) {
      logger.error(
        `Unexpected error${traceSuffix(c)}: ${error instanceof Error ? error.stack : message}`,
      );
    }
    const text =
      status === 502 || status === 503
        ? 'The session source is unavailable; try again later'
        : 'Internal server error; the operator can find it in the log';
    return respondJson(c, { error: `${text}${traceSuffix(c)}` }, status);
  };
}

export const notFound: NotFoundHandler<AppEnv> = (c) => {
  c.set('action', 'unknown');
  c.set('telemetryPayload', { method: c.req.method.slice(0, 16) });
  c.set('failure', 'unknown route');
  return respondJson(
    c,
    { error: 'Not found; the agent serves /recommend, /explain, /export and /health' },
    404,
  );
};
