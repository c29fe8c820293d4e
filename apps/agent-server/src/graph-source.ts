import { EventKitError, type GraphClient, graphWindow } from '@eventkit/core';
import type { SessionSource } from './app-types.js';

export const SOURCES = ['manifest', 'graph'] as const;

// A GUID or a user principal name (e.g. ada@contoso.com): what Graph takes in /users/{id}.
const USER_ID = /^[A-Za-z0-9._@+'-]{1,254}$/;

/** `?userId=`: absent = GRAPH_USER_ID; else a Graph user id or user principal name. */
export function readUserId(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!USER_ID.test(raw)) {
    throw new EventKitError(
      'INVALID_INPUT',
      'userId must be a Graph user id or user principal name such as ada@contoso.com (at most 254 characters)',
    );
  }
  return raw;
}

/**
 * Sessions from a user's Microsoft Graph calendar: `userId` (default GRAPH_USER_ID), and the
 * window `start`/`end` (ISO dates or date-times; default the next 7 days).
 */
export function createGraphSessionSource(
  client: GraphClient,
  { now = () => new Date() }: { now?: () => Date } = {},
): SessionSource {
  return {
    async load(query) {
      const userId = readUserId(query.userId);
      const window = graphWindow({ start: query.start, end: query.end, now: now() });
      const sessions = await client.listSessions({ ...window, userId });
      return { sessions, source: 'graph' };
    },
  };
}

/**
 * Picks the source a request names with `?source=manifest|graph` (default manifest). Asking
 * for Graph on a server without GRAPH_* settings is the caller's mistake (400), not an outage.
 */
export function selectSessionSource(sources: {
  manifest: SessionSource;
  graph: SessionSource | undefined;
}): SessionSource {
  return {
    async load(query) {
      const name = query.source ?? 'manifest';
      if (name === 'manifest') return sources.manifest.load(query);
      if (name !== 'graph') {
        throw new EventKitError('INVALID_INPUT', `source must be ${SOURCES.join(' or ')}`);
      }
      if (!sources.graph) {
        throw new EventKitError(
          'INVALID_INPUT',
          'source=graph is not available: this server has no Microsoft Graph configuration (GRAPH_TENANT_ID, GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET)',
        );
      }
      return sources.graph.load(query);
    },
  };
}

/** The telemetry `source` of a request before its sessions load (so failures carry it too). */
export function requestedSource(query: Readonly<Record<string, string>>): string {
  return query.source === 'graph' ? 'graph' : 'manifest';
}
