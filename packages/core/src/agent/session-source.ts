import { EventKitError } from '../errors.js';
import type { GraphClient } from '../graph/graph-client.js';
import { graphWindow } from '../graph/graph-window.js';
import type { LoadedManifest } from '../manifest/load-manifest.js';
import type { Session } from '../manifest/manifest-schema.js';
import { createGraphCalendars } from './graph-cache.js';
import { createSessionLoader } from './load-sessions.js';

/** The sources a caller may name: agent.json (with its external file), or a Graph calendar. */
export const SESSION_SOURCES = ['manifest', 'graph'] as const;

/**
 * What a request or command asks for: `source` (default `manifest`) and, for Graph, the calendar
 * owner `userId` (default the config's GRAPH_USER_ID) and the window `start`/`end` (ISO dates or
 * date-times; default the next 7 days). Raw user input: it is validated here.
 */
export interface SessionQuery {
  source?: string | undefined;
  userId?: string | undefined;
  start?: string | undefined;
  end?: string | undefined;
}

export interface LoadedSessions {
  sessions: readonly Session[];
  /** `manifest`, `external` when the external sessions file contributed, or `graph`. */
  source: 'manifest' | 'external' | 'graph';
  /** Graph with its cache on: whether the calendar came from the cache. */
  graphCache?: 'hit' | 'miss';
}

export interface SessionSource {
  load(query?: SessionQuery): Promise<LoadedSessions>;
}

export interface SessionSourceOptions {
  /** The Graph client, when GRAPH_* settings are present; without it `source=graph` is refused. */
  graph?: GraphClient | undefined;
  /** A missing external sessions file is not fatal, but the operator should hear of it. */
  onWarning?: (message: string) => void;
  /** How long a user's calendar window is reused (GRAPH_CACHE_TTL_SECONDS); 0 = off. */
  graphCacheTtlMs?: number;
  now?: () => Date;
}

// A GUID or a user principal name (e.g. ada@contoso.com): what Graph takes in /users/{id}.
const USER_ID = /^[A-Za-z0-9._@+'-]{1,254}$/;

/**
 * Where the agent's sessions come from, chosen per request: agent.json's sessions merged with
 * `features.externalSessions.file` when enabled (re-read only when that file changes), or a
 * user's Microsoft Graph calendar, kept for `graphCacheTtlMs` per user and window (see
 * `createGraphCalendars`). Bad input (an unknown source, a malformed user id or window,
 * Graph asked for without Graph settings) is an `INVALID_INPUT` error.
 *
 * @example
 * const sessions = createSessionSource(loaded, { graph: createGraphClient(config), graphCacheTtlMs: 60_000 });
 * const { sessions: list, source } = await sessions.load({ source: 'graph', start: '2026-03-15' });
 */
export function createSessionSource(
  loaded: LoadedManifest,
  { graph, onWarning, graphCacheTtlMs = 0, now = () => new Date() }: SessionSourceOptions = {},
): SessionSource {
  const loader = createSessionLoader(loaded, onWarning ? { onWarning } : {});
  const calendars = graph
    ? createGraphCalendars(graph, { ttlMs: graphCacheTtlMs, now })
    : undefined;
  const manifestSessions = loaded.manifest.sessions;
  return {
    async load(query = {}) {
      const name = query.source ?? 'manifest';
      if (name === 'manifest') {
        const sessions = await loader.load();
        return { sessions, source: sessions === manifestSessions ? 'manifest' : 'external' };
      }
      if (name !== 'graph') {
        throw new EventKitError('INVALID_INPUT', `source must be ${SESSION_SOURCES.join(' or ')}`);
      }
      if (!calendars) {
        throw new EventKitError(
          'INVALID_INPUT',
          'source=graph is not available: there is no Microsoft Graph configuration; set GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET (and GRAPH_USER_ID or a user)',
        );
      }
      const userId = readUserId(query.userId);
      const window = graphWindow({ start: query.start, end: query.end, now: now() });
      // The window as asked for: without a start it is "from now", one entry however now moves.
      const key = [
        userId ?? '',
        query.start === undefined ? 'now' : window.start.toISOString(),
        query.end === undefined ? '' : window.end.toISOString(),
      ].join('|');
      const { sessions, cache } = await calendars.list(key, { ...window, userId });
      return graphCacheTtlMs > 0
        ? { sessions, source: 'graph', graphCache: cache }
        : { sessions, source: 'graph' };
    },
  };
}

function readUserId(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!USER_ID.test(raw)) {
    throw new EventKitError(
      'INVALID_INPUT',
      'userId must be a Graph user id or user principal name such as ada@contoso.com (at most 254 characters)',
    );
  }
  return raw;
}
