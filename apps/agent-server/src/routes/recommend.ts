import { buildAdaptiveCard, type Recommendation } from '@eventkit/core';
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../app-types.js';
import { readFlag } from '../query-validation.js';
import type { RecommendationCache } from '../recommendation-cache.js';
import { readRecommendInput, recommendPayload, runRecommendation } from './recommend-input.js';

const JSON_TYPE = { 'Content-Type': 'application/json' };

/**
 * `{sessions, scoring, conflicts, source}` as JSON. Cached rankings are shared between requests,
 * so their serialisation is kept with them (weakly) and only `source` is appended per request.
 */
function createBodyWriter() {
  const serialised = new WeakMap<Recommendation, string>();
  return (rec: Recommendation, source: string): string => {
    let json = serialised.get(rec);
    if (json === undefined) {
      json = JSON.stringify({
        sessions: rec.sessions,
        scoring: rec.scoring,
        conflicts: rec.conflicts,
      });
      serialised.set(rec, json);
    }
    return `${json.slice(0, -1)},"source":${JSON.stringify(source)}}`;
  };
}

/** GET /recommend?interests=agents,ai%20safety&top=5[&card=1][&profileSave=me|&profileLoad=me] */
export function recommendRoutes(deps: AppDeps & { recommendations: RecommendationCache }) {
  const body = createBodyWriter();
  return new Hono<AppEnv>().get('/', async (c) => {
    const card = readFlag(c.req.query('card'), 'card');
    const input = await readRecommendInput(c, deps);
    const { rec, source } = await runRecommendation(c, deps, input);
    c.set('telemetryPayload', {
      ...recommendPayload(input, rec, source),
      ...(card ? { card: true } : {}),
    });
    if (!card) return c.body(body(rec, source), 200, JSON_TYPE);
    return c.json({
      sessions: rec.sessions,
      scoring: rec.scoring,
      conflicts: rec.conflicts,
      source,
      card: buildAdaptiveCard(rec, { interests: input.interests }),
    });
  });
}
