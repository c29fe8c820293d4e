import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../app-types.js';

const UNCACHED = { 'Cache-Control': 'no-store' };

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
      return c.json(report, report.status === 'healthy' ? 200 : 503, UNCACHED);
    })
    .get('/livez', (c) => c.json({ status: 'ok' }, 200, UNCACHED))
    .get('/readyz', (c) =>
      deps.lifecycle.draining
        ? c.json({ status: 'draining' }, 503, UNCACHED)
        : c.json({ status: 'ready' }, 200, UNCACHED),
    );
}
