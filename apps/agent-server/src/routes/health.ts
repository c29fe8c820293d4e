import { type Context, Hono } from 'hono';
import type { AppDeps, AppEnv } from '../app-types.js';
import { respondJson, setResponseHeader } from '../response-headers.js';

function respondUncached(c: Context<AppEnv>, value: unknown, status: number): Response {
  setResponseHeader(c, 'Cache-Control', 'no-store');
  return respondJson(c, value, status);
}

/**
 * GET /health: the health model's report, 200 healthy / 503 unhealthy (DESIGN.md).
 * GET /livez: the process answers. GET /readyz: 503 once shutdown began, so balancers stop
 * sending traffic while in-flight requests finish.
 */
export function healthRoutes(deps: Pick<AppDeps, 'health' | 'lifecycle'>) {
  // Headers are set per answer: a `.use()` here would run for every route of the app, since
  // this sub-app is mounted at '/'.
  return new Hono<AppEnv>()
    .get('/health', async (c) => {
      const report = await deps.health.check();
      return respondUncached(c, report, report.status === 'healthy' ? 200 : 503);
    })
    .get('/livez', (c) => respondUncached(c, { status: 'ok' }, 200))
    .get('/readyz', (c) =>
      deps.lifecycle.draining
        ? respondUncached(c, { status: 'draining' }, 503)
        : respondUncached(c, { status: 'ready' }, 200),
    );
}
