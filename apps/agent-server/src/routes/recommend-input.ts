import {
  actionPayload,
  EventKitError,
  type LoadedSessions,
  type Recommendation,
  rankScoredSessions,
  scoreSessions,
} from '@eventkit/core';
import type { Span } from '@opentelemetry/api';
import type { Context } from 'hono';
import type { AppDeps, AppEnv } from '../app-types.js';
import { createInterestsReader, readProfileName, readTop } from '../query-validation.js';
import type { RecommendationCache } from '../recommendation-cache.js';
import { queryOf } from '../request-input.js';
import { inSpan } from '../tracing.js';

export interface RecommendInput {
  interests: readonly string[];
  top: number;
  profileSave: string | undefined;
  /** For telemetry: the interests came from a saved profile, or are saved as one. */
  profile: 'saved' | 'loaded' | undefined;
}

// Attendees send the same few queries again and again: their validated interests are kept.
const readInterests = createInterestsReader();

/**
 * The query of /recommend and /export: `interests` (or `profileLoad=<name>` instead of them),
 * `top`, `profileSave=<name>`. Explicit interests win over a loaded profile.
 */
export async function readRecommendInput(
  c: Context<AppEnv>,
  deps: Pick<AppDeps, 'profiles' | 'loaded'>,
): Promise<RecommendInput> {
  const query = queryOf(c);
  const profileSave = readProfileName(query.profileSave, 'profileSave');
  const profileLoad = readProfileName(query.profileLoad, 'profileLoad');
  const top = readTop(query.top, deps.loaded.manifest.recommend.max_sessions_default);
  if (query.interests === undefined && profileLoad) {
    const saved = await deps.profiles.load(profileLoad);
    if (!saved || saved.length === 0) {
      throw new EventKitError(
        'NOT_FOUND',
        `profile "${profileLoad}" not found; save one with ?interests=…&profileSave=${profileLoad}`,
      );
    }
    return { interests: [...saved], top, profileSave, profile: profileSave ? 'saved' : 'loaded' };
  }
  return {
    interests: readInterests(query.interests),
    top,
    profileSave,
    profile: profileSave ? 'saved' : undefined,
  };
}

/** Graph only (the manifest path keeps its one promise): whether the calendar was cached. */
async function markGraphCache(loading: Promise<LoadedSessions>, span: Span) {
  const loaded = await loading;
  if (loaded.graphCache) span.setAttribute('eventkit.graph_cache_hit', loaded.graphCache === 'hit');
  return loaded;
}

/**
 * Loads the sessions, scores and ranks them, each step in its own span under the request span:
 * load_sessions, score_sessions, sort_results. A remembered ranking (`eventkit.cache_hit` on both
 * ranking spans) skips the scoring and sorting work but keeps the shape of the trace. A Graph
 * calendar from the Graph cache is `eventkit.graph_cache_hit` on load_sessions and `graph_cache`
 * in the telemetry payload. `fixedSource` overrides the query's `source` (`/recommend-graph`).
 */
export async function runRecommendation(
  c: Context<AppEnv>,
  deps: Pick<AppDeps, 'sessions' | 'tracing' | 'loaded' | 'profiles'> & {
    recommendations: RecommendationCache;
  },
  input: RecommendInput,
  fixedSource?: 'graph',
): Promise<{ rec: Recommendation; source: string; graphCache?: 'hit' | 'miss' | undefined }> {
  const { tracer } = deps.tracing;
  const { recommendations } = deps;
  const parent = c.get('requestSpan').context;
  const asked = queryOf(c);
  // Only the Graph route pays for a copy of the query; the manifest path reads it as it is.
  const query = fixedSource ? { ...asked, source: fixedSource } : asked;
  // Set before loading, so a failed Graph request is still counted under source "graph".
  c.set(
    'telemetryPayload',
    actionPayload('recommend', {
      interests: input.interests,
      top: input.top,
      source: query.source === 'graph' ? 'graph' : 'manifest',
    }),
  );
  const { sessions, source, graphCache } = await inSpan(tracer, parent, 'load_sessions', (span) =>
    query.source === 'graph'
      ? markGraphCache(deps.sessions.load(query), span)
      : deps.sessions.load(query),
  );
  const key = recommendations.key(input.interests, input.top);
  const cached = recommendations.get(sessions, key);
  const scored = inSpan(tracer, parent, 'score_sessions', (span) => {
    span.setAttribute('eventkit.cache_hit', cached !== undefined);
    return cached
      ? undefined
      : scoreSessions(sessions, input.interests, { weights: deps.loaded.manifest.weights });
  });
  const rec = inSpan(tracer, parent, 'sort_results', (span) => {
    span.setAttribute('eventkit.cache_hit', cached !== undefined);
    if (cached) return cached;
    const ranked = rankScoredSessions(scored ?? [], { top: input.top });
    recommendations.remember(sessions, key, ranked);
    return ranked;
  });
  if (input.profileSave) await deps.profiles.save(input.profileSave, input.interests);
  return { rec, source, graphCache };
}
