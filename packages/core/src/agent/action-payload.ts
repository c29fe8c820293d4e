import type { ExportFormat } from './export-file.js';
import type { Explanation, Recommendation } from './scoring.js';

/** The agent actions that leave a telemetry line with a payload of their own. */
export type AgentAction = 'recommend' | 'explain' | 'export';

/**
 * What an action knew when it ended. Leave out what it never reached: a request whose sessions
 * failed to load has no `rec`, and its payload then carries only what was asked.
 */
export interface ActionFacts {
  interests: readonly string[];
  /** The session source asked for, or the one that answered (`manifest`, `external`, `graph`). */
  source: string;
  /** Graph with its cache on: the calendar came from the cache, or was read. */
  graphCache?: 'hit' | 'miss' | undefined;
  /** recommend, export: how many sessions were asked for. */
  top?: number;
  /** recommend, export: the ranking, once made. */
  rec?: Recommendation | undefined;
  /** explain: the explanation, when the session was found. */
  explanation?: Explanation | undefined;
  /** recommend, export: the interests came from a saved profile, or were saved as one. */
  profile?: 'saved' | 'loaded' | undefined;
  /** recommend: answered with an Adaptive Card. */
  card?: boolean;
  /** export: the itinerary's format, and whether a copy was written to disk. */
  format?: ExportFormat;
  saved?: boolean;
}

/**
 * The compact telemetry payload of an agent action: counts and enums only, never the interests
 * or titles themselves (DESIGN.md). The agent server and the `eventkit` commands both use it, so
 * the same action leaves the same line wherever it ran.
 *
 * @example
 * actionPayload('recommend', { interests: ['agents'], top: 5, source: 'manifest', rec });
 * // { interests_count: 1, top: 5, source: 'manifest', conflicts: 0, returned: 5 }
 */
export function actionPayload(action: AgentAction, facts: ActionFacts): Record<string, unknown> {
  const { interests, source, rec } = facts;
  if (action === 'explain') {
    return {
      interests_count: interests.length,
      source,
      found: facts.explanation !== undefined,
      matched: facts.explanation?.matched_tags.length ?? 0,
    };
  }
  const payload: Record<string, unknown> = {
    interests_count: interests.length,
    top: facts.top,
    source,
  };
  if (facts.graphCache) payload.graph_cache = facts.graphCache;
  if (rec) {
    payload.conflicts = rec.conflicts;
    payload.returned = rec.sessions.length;
  }
  if (facts.profile) payload.profile = facts.profile;
  if (action === 'recommend') {
    if (facts.card) payload.card = true;
    return payload;
  }
  if (facts.format) payload.format = facts.format;
  if (facts.saved !== undefined) payload.saved = facts.saved;
  return payload;
}
