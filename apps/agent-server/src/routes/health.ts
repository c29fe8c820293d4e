import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../app-types.js';

/**
 * GET /health: the health model's report, 200 healthy / 503 unhealthy (DESIGN.md).
 * GET /livez: the process answers. GET /readyz: 503 once shutdown began, so balancers stop
 * sending traffic while in-flight requests finish.
 */
export function healthRoutes(deps: Pick<AppDeps, 'health' | 'lifecycle'>) {
  return new Hono<AppEnv>()
    .use(async (c, next) => {
      await next();
      c.header('Cache-Control', 'no-store');
    })
    .get('/health', async (c) => {
      const report = await deps.health.check();
      return c.json(report, report.status === 'healthy' ? 200 : 503);
    })
    .get('/livez', (c) => c.json({ status: 'ok' }))
    .get('/readyz', (c) =>
      deps.lifecycle.draining ? c.json({ status: 'draining' }, 503) : c.json({ status: 'ready' }),
    );
}
