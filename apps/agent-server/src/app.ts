import { Hono } from 'hono';
import type { AppDeps, AppEnv } from './app-types.js';
import { allowedMethods, createErrorHandler, createNotFoundHandler } from './http-errors.js';
import { bearerAuth } from './middleware/auth.js';
import { cors } from './middleware/cors.js';
import { rateLimit, requestLimits } from './middleware/limits.js';
import { observe, TRACE_HEADERS } from './middleware/observe.js';
import { createRecommendationCache } from './recommendation-cache.js';
import { explainRoutes } from './routes/explain.js';
import { exportRoutes } from './routes/export.js';
import { healthRoutes } from './routes/health.js';
import { recommendRoutes } from './routes/recommend.js';

/**
 * The agent's HTTP app, built from its dependencies (nothing global), one sub-app per resource.
 * Order matters: CORS headers go on every answer (401 and 429 included), `observe` wraps all
 * but the probes, and the rate limit runs before auth so token guessing is throttled too.
 * Every layer sets its headers with `c.header()` before the handler answers, and every answer is
 * built with `c.json()` or `c.body()`, which carry them.
 *
 * @example
 * const app = createApp(deps);
 * const res = await app.request('/recommend?interests=agents');
 */
export function createApp(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.use(
    cors({
      allowMethods: ['GET', 'HEAD', 'OPTIONS'],
      allowHeaders: [
        'Authorization',
        'Content-Type',
        'traceparent',
        'tracestate',
        'X-Correlation-ID',
      ],
      exposeHeaders: [...TRACE_HEADERS, 'Retry-After', 'X-Export-File'],
      maxAgeSeconds: 600,
    }),
  );
  // Once shutdown began, every answer tells its client not to reuse the connection.
  app.use(async (c, next) => {
    if (deps.lifecycle.draining) c.header('Connection', 'close');
    await next();
  });
  app.use(observe(deps));
  app.use(
    requestLimits({
      maxUrlBytes: deps.maxUrlBytes ?? 8192,
      maxBodyBytes: deps.maxBodyBytes ?? 65_536,
    }),
  );
  // Each layer is an async step of every request: the switched-off ones are left out.
  if (deps.rateLimiter.enabled) app.use(rateLimit(deps.rateLimiter));
  if (deps.apiToken) app.use(bearerAuth(deps.apiToken));

  // One ranking cache for /recommend and /export: attendees ask the same questions.
  const ranked = { ...deps, recommendations: createRecommendationCache() };
  app.route('/recommend', recommendRoutes(ranked));
  // The Python agent's clients call it: /recommend with the Graph source.
  app.route('/recommend-graph', recommendRoutes(ranked, { source: 'graph' }));
  app.route('/explain', explainRoutes(deps));
  app.route('/export', exportRoutes(ranked));
  app.route('/', healthRoutes(deps));

  app.notFound(createNotFoundHandler(allowedMethods(app)));
  app.onError(createErrorHandler(deps.logger));
  return app;
}

export type AgentApp = ReturnType<typeof createApp>;
