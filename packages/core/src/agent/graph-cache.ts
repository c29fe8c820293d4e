import type { GraphClient, ListSessionsOptions } from '../graph/graph-client.js';
import type { Session } from '../manifest/manifest-schema.js';

export interface GraphCacheOptions {
  /** How long a calendar is reused; 0 turns the cache off (every load calls Graph). */
  ttlMs: number;
  /** Calendars kept at most; the oldest goes first. */
  maxEntries?: number;
  now?: () => Date;
}

export interface GraphCalendars {
  /**
   * The sessions of a calendar window, and whether they came from the cache. `key` names the
   * window as asked for (user and window), so "the next 7 days" is one entry, not one per instant.
   */
  list(
    key: string,
    options: ListSessionsOptions,
  ): Promise<{ sessions: readonly Session[]; cache: 'hit' | 'miss' }>;
}

interface Entry {
  sessions: Promise<Session[]>;
  /** Set once the read succeeded; until then the entry is an in-flight read. */
  expiresAt?: number;
}

/**
 * Keeps each user's calendar window for `ttlMs`, so a burst of requests is one Graph call
 * instead of a burst that Graph throttles. Requests that arrive while a read is in flight share
 * it. Only a successful read is kept: a failure is answered to the requests that shared it and
 * forgotten, so it never replaces a good copy, and the next request asks Graph again.
 *
 * @example
 * const calendars = createGraphCalendars(graph, { ttlMs: 60_000 });
 * const { sessions, cache } = await calendars.list('ada|2026-03-15', { userId: 'ada', start, end });
 */
export function createGraphCalendars(
  graph: Pick<GraphClient, 'listSessions'>,
  { ttlMs, maxEntries = 1000, now = () => new Date() }: GraphCacheOptions,
): GraphCalendars {
  const entries = new Map<string, Entry>();
  return {
    async list(key, options) {
      if (ttlMs <= 0) return { sessions: await graph.listSessions(options), cache: 'miss' };
      const at = now().getTime();
      const kept = entries.get(key);
      if (kept && (kept.expiresAt === undefined || at < kept.expiresAt)) {
        return { sessions: await kept.sessions, cache: 'hit' };
      }
      const entry: Entry = { sessions: graph.listSessions(options) };
      entries.delete(key);
      entries.set(key, entry);
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
      try {
        const sessions = await entry.sessions;
        entry.expiresAt = now().getTime() + ttlMs;
        return { sessions, cache: 'miss' };
      } catch (error) {
        if (entries.get(key) === entry) entries.delete(key);
        throw error;
      }
    },
  };
}
