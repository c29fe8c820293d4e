import { buildAdaptiveCard } from '@eventkit/core';
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../app-types.js';
import { readFlag } from '../query-validation.js';
import type { RecommendationCache } from '../recommendation-cache.js';
import { readRecommendInput, recommendPayload, runRecommendation } from './recommend-input.js';

/** GET /recommend?interests=agents,ai%20safety&top=5[&card=1][&profileSave=me|&profileLoad=me] */
export function recommendRoutes(deps: AppDeps & { recommendations: RecommendationCache }) {
  return new Hono<AppEnv>().get('/', async (c) => {
    const card = readFlag(c.req.query('card'), 'card');
    const input = await readRecommendInput(c, deps);
    const { rec, source } = await runRecommendation(c, deps, input);
    c.set('telemetryPayload', {
      ...recommendPayload(input, rec, source),
      ...(card ? { card: true } : {}),
    });
    return c.json({
      sessions: rec.sessions,
      scoring: rec.scoring,
      conflicts: rec.conflicts,
      source,
      ...(card ? { card: buildAdaptiveCard(rec, { interests: input.interests }) } : {}),
    });
  });
}
