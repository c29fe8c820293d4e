import { actionPayload, type Recommendation } from '@eventkit/core';
import { Hono } from 'hono';
import { buildAdaptiveCard } from '../adaptive-card.js';
import type { AppDeps, AppEnv } from '../app-types.js';
import { readFlag } from '../query-validation.js';
import type { RecommendationCache } from '../recommendation-cache.js';
import { queryOf } from '../request-input.js';
import { readRecommendInput, runRecommendation } from './recommend-input.js';

/**
 * `{sessions, scoring, conflicts, source}` as JSON. Cached rankings are shared between requests,
 * so their serialisation is kept with them (weakly), complete with the source of the last
 * request (nearly always the same one); another source reuses the JSON of the ranking.
 */
function createBodyWriter() {
  const serialised = new WeakMap<Recommendation, { json: string; source: string; body: string }>();
  return (rec: Recommendation, source: string): string => {
    let kept = serialised.get(rec);
    if (kept === undefined) {
      const json = JSON.stringify({
        sessions: rec.sessions,
        scoring: rec.scoring,
        conflicts: rec.conflicts,
      });
      kept = { json, source: '', body: '' };
      serialised.set(rec, kept);
    }
    if (kept.source !== source || kept.body === '') {
      kept.source = source;
      kept.body = `${kept.json.slice(0, -1)},"source":${JSON.stringify(source)}}`;
    }
    return kept.body;
  };
}

export interface RecommendRoutesOptions {
  /** Serve one source whatever the query says: `/recommend-graph` is `/recommend` with Graph. */
  source?: 'graph';
}

/**
 * GET /recommend?interests=agents,ai%20safety&top=5[&card=1][&profileSave=me|&profileLoad=me].
 * With `card=1` the Adaptive Card is under `adaptiveCard`, where the Python agent's clients
 * (webchat, Teams/Copilot) read it, and under `card` as well for this agent's earlier clients.
 */
export function recommendRoutes(
  deps: AppDeps & { recommendations: RecommendationCache },
  { source: fixedSource }: RecommendRoutesOptions = {},
) {
  const body = createBodyWriter();
  return new Hono<AppEnv>().get('/', async (c) => {
    const card = readFlag(queryOf(c).card, 'card');
    const input = await readRecommendInput(c, deps);
    const { rec, source, graphCache } = await runRecommendation(c, deps, input, fixedSource);
    // The facts are named one by one: spreading `input` here cost more than the rest of the route.
    const { interests, top, profile } = input;
    c.set(
      'telemetryPayload',
      actionPayload('recommend', { interests, top, profile, source, rec, card, graphCache }),
    );
    if (!card) return c.body(body(rec, source), 200, { 'Content-Type': 'application/json' });
    const adaptiveCard = buildAdaptiveCard(rec, { interests: input.interests });
    return c.json({
      sessions: rec.sessions,
      scoring: rec.scoring,
      conflicts: rec.conflicts,
      source,
      adaptiveCard,
      card: adaptiveCard,
    });
  });
}
