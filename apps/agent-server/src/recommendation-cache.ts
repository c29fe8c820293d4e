import type { Recommendation, Session } from '@eventkit/core';

export interface RecommendationCache {
  /** The ranking for these sessions, interests and top: remembered, or computed and remembered. */
  get(
    sessions: readonly Session[],
    interests: readonly string[],
    top: number,
    compute: () => Recommendation,
  ): { rec: Recommendation; hit: boolean };
}

/**
 * Remembers the last `maxEntries` rankings (least recently used go first). Scoring depends on the
 * set of interests, not their order, so the key is the sorted interests and `top`. The cache
 * belongs to one sessions array: when the source hands out a new one (the external file changed,
 * or a Graph read), it starts afresh. Rankings are shared read-only between requests.
 */
export function createRecommendationCache(maxEntries = 1000): RecommendationCache {
  let owner: readonly Session[] | undefined;
  let entries = new Map<string, Recommendation>();
  return {
    get(sessions, interests, top, compute) {
      if (sessions !== owner) {
        owner = sessions;
        entries = new Map();
      }
      const key = `${top}\u0000${[...interests].sort().join('\u0000')}`;
      const cached = entries.get(key);
      if (cached) {
        entries.delete(key);
        entries.set(key, cached);
        return { rec: cached, hit: true };
      }
      const rec = compute();
      entries.set(key, rec);
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
      return { rec, hit: false };
    },
  };
}
