import type { Recommendation } from '@eventkit/core';
import type { Session } from '@eventkit/core/manifest';

export interface RecommendationCache {
  /** The key of a ranking: the set of interests (order does not matter) and `top`. */
  key(interests: readonly string[], top: number): string;
  /** The remembered ranking for these sessions and key, if any (and marks it recently used). */
  get(sessions: readonly Session[], key: string): Recommendation | undefined;
  remember(sessions: readonly Session[], key: string, rec: Recommendation): void;
}

/**
 * Remembers the last `maxEntries` rankings (least recently used go first). Scoring depends on the
 * set of interests, not their order, so the key is the sorted interests and `top` (the sorted
 * part is kept per interests array, which the query reader hands out again for a repeated query).
 * The cache belongs to one sessions array: when the source hands out a new one (the external
 * file changed, or a Graph read), it starts afresh. Rankings are shared read-only between requests.
 */
export function createRecommendationCache(maxEntries = 1000): RecommendationCache {
  let owner: readonly Session[] | undefined;
  let entries = new Map<string, Recommendation>();
  // Per interests array: its keys by top, so a repeated query reuses the same key string (whose
  // hash V8 keeps) instead of building and hashing a new one.
  const keysOf = new WeakMap<readonly string[], Map<number, string>>();
  const own = (sessions: readonly Session[]) => {
    if (sessions !== owner) {
      owner = sessions;
      entries = new Map();
    }
  };
  return {
    key(interests, top) {
      let byTop = keysOf.get(interests);
      if (byTop === undefined) {
        byTop = new Map();
        keysOf.set(interests, byTop);
      }
      let key = byTop.get(top);
      if (key === undefined) {
        key = `${top}${JSON.stringify([...interests].sort())}`;
        byTop.set(top, key);
      }
      return key;
    },
    get(sessions, key) {
      own(sessions);
      const cached = entries.get(key);
      if (cached) {
        entries.delete(key);
        entries.set(key, cached);
      }
      return cached;
    },
    remember(sessions, key, rec) {
      own(sessions);
      entries.set(key, rec);
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
    },
  };
}
