import { actionPayload, explainSession } from '@eventkit/core';
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../app-types.js';
import { readInterests, readSessionTitle } from '../query-validation.js';
import { queryOf } from '../request-input.js';
import { inSpan } from '../tracing.js';

/**
 * GET /explain?session=<title>&interests=… → {title, score, contributions, matched_tags}.
 * The title matches case-insensitively; interests may be left out (then only popularity counts).
 */
export function explainRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get('/', async (c) => {
    const query = queryOf(c);
    const title = readSessionTitle(query.session);
    const raw = query.interests;
    const interests = raw === undefined ? [] : readInterests(raw);
    const { tracer } = deps.tracing;
    const parent = c.get('requestSpan').context;
    const { sessions, source } = await inSpan(tracer, parent, 'load_sessions', () =>
      deps.sessions.load(query),
    );
    const explanation = inSpan(tracer, parent, 'score_sessions', () =>
      explainSession(sessions, title, interests, deps.loaded.manifest.weights),
    );
    c.set('telemetryPayload', actionPayload('explain', { interests, source, explanation }));
    if (!explanation) {
      // The Python agent's answer, kept for its clients; now with a 404 status.
      c.set('failure', 'session not found');
      return c.json({ error: 'session not found', title }, 404);
    }
    return c.json(explanation);
  });
}
