import { EventKitError, type Recommendation, recommendSessions } from '@eventkit/core';
import type { Context } from 'hono';
import type { AppDeps, AppEnv } from '../app-types.js';
import { requestedSource } from '../graph-source.js';
import { readInterests, readProfileName, readTop } from '../query-validation.js';
import type { RecommendationCache } from '../recommendation-cache.js';
import { inSpan } from '../tracing.js';

export interface RecommendInput {
  interests: string[];
  top: number;
  profileSave: string | undefined;
  profileLoaded: boolean;
}

/**
 * The query of /recommend and /export: `interests` (or `profileLoad=<name>` instead of them),
 * `top`, `profileSave=<name>`. Explicit interests win over a loaded profile.
 */
export async function readRecommendInput(
  c: Context<AppEnv>,
  deps: Pick<AppDeps, 'profiles' | 'loaded'>,
): Promise<RecommendInput> {
  const query = c.req.query();
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
    return { interests: [...saved], top, profileSave, profileLoaded: true };
  }
  return { interests: readInterests(query.interests), top, profileSave, profileLoaded: false };
}

/** Loads the sessions and ranks them, each step in its own span under the request span. */
export async function runRecommendation(
  c: Context<AppEnv>,
  deps: Pick<AppDeps, 'sessions' | 'tracing' | 'loaded' | 'profiles'> & {
    recommendations: RecommendationCache;
  },
  input: RecommendInput,
): Promise<{ rec: Recommendation; source: string }> {
  const { tracer } = deps.tracing;
  const parent = c.get('requestSpan').context;
  // Set before loading, so a failed Graph request is still counted under source "graph".
  c.set('telemetryPayload', {
    interests_count: input.interests.length,
    top: input.top,
    source: requestedSource(c.req.query()),
  });
  const { sessions, source } = await inSpan(tracer, parent, 'load_sessions', () =>
    deps.sessions.load(c.req.query()),
  );
  const rec = inSpan(tracer, parent, 'score_sessions', (span) => {
    const { rec, hit } = deps.recommendations.get(sessions, input.interests, input.top, () =>
      recommendSessions(sessions, input.interests, {
        weights: deps.loaded.manifest.weights,
        top: input.top,
      }),
    );
    span.setAttribute('eventkit.cache_hit', hit);
    return rec;
  });
  if (input.profileSave) await deps.profiles.save(input.profileSave, input.interests);
  return { rec, source };
}

/** The compact telemetry payload of a recommendation: counts and enums only (DESIGN.md). */
export function recommendPayload(input: RecommendInput, rec: Recommendation, source: string) {
  return {
    interests_count: input.interests.length,
    top: input.top,
    source,
    conflicts: rec.conflicts,
    returned: rec.sessions.length,
    ...(input.profileSave
      ? { profile: 'saved' }
      : input.profileLoaded
        ? { profile: 'loaded' }
        : {}),
  };
}
