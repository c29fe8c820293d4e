import { EventKitError } from '../errors.js';
import type { Session } from '../manifest/manifest-schema.js';
import type { GraphConfig } from './graph-config.js';
import { DEFAULT_GRAPH_POPULARITY, mapGraphEvent, parseCalendarPage } from './graph-events.js';
import { createTokenSource, parseJsonObject, safeCode } from './graph-token.js';
import { createGraphTransport, type GraphLogger, type GraphResponse } from './graph-transport.js';

export interface GraphClientOptions {
  fetch?: typeof globalThis.fetch;
  logger?: GraphLogger;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** Timeout of each HTTP attempt, body included. */
  timeoutMs?: number;
  /** Budget for one `listSessions`/`checkAuth` call, retries and waits included. */
  maxTotalMs?: number;
  /** Retries of a throttled (429/503/504), timed-out or unreachable call. */
  maxRetries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** calendarView pages followed at most; beyond it the result is truncated with a warning. */
  maxPages?: number;
  /** Events per page asked for (`$top`). */
  pageSize?: number;
  /** Popularity given to every Graph session (a calendar has none). */
  popularity?: number;
}

export interface ListSessionsOptions {
  /** The mailbox whose calendar is read; defaults to the config's `userId` (GRAPH_USER_ID). */
  userId?: string | undefined;
  start: Date;
  end: Date;
  signal?: AbortSignal;
}

export interface GraphClient {
  /** The events of a user's calendar overlapping [start, end), as sessions ordered by start. */
  listSessions(options: ListSessionsOptions): Promise<Session[]>;
  /** Resolves when an access token can be obtained (cached tokens count); throws otherwise. */
  checkAuth(options?: { signal?: AbortSignal; maxTotalMs?: number }): Promise<void>;
}

const SELECT = 'id,subject,categories,start,end,location,isCancelled,isAllDay';

/**
 * A Microsoft Graph calendar reader using the OAuth2 client-credentials flow. Errors are
 * `EventKitError`s: `UPSTREAM_AUTH_FAILED` (credentials or permissions rejected),
 * `UPSTREAM_UNAVAILABLE` (throttled, timed out or unreachable past the retry budget),
 * `UPSTREAM_FAILED` (any other bad answer), `INVALID_INPUT` (no user, bad range). No message,
 * log line or cause ever contains the client secret or an access token.
 *
 * @example
 * const graph = createGraphClient(graphConfigFromEnv(process.env)!, { logger });
 * const sessions = await graph.listSessions({ start: new Date('2026-03-15'), end: new Date('2026-03-17') });
 */
export function createGraphClient(
  config: GraphConfig,
  {
    fetch = globalThis.fetch,
    logger,
    now = () => new Date(),
    sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random = Math.random,
    timeoutMs = 10_000,
    maxTotalMs = 30_000,
    maxRetries = 4,
    baseDelayMs = 500,
    maxDelayMs = 8_000,
    maxPages = 20,
    pageSize = 100,
    popularity = DEFAULT_GRAPH_POPULARITY,
  }: GraphClientOptions = {},
): GraphClient {
  const transport = createGraphTransport({
    fetch,
    logger,
    now,
    sleep,
    random,
    timeoutMs,
    maxRetries,
    baseDelayMs,
    maxDelayMs,
  });
  const tokens = createTokenSource(config, transport, now);
  const apiOrigin = new URL(config.apiUrl).origin;

  async function getPage(url: string, deadline: number, signal: AbortSignal | undefined) {
    const send = { what: 'Graph calendarView', deadline, ...(signal ? { signal } : {}) };
    const request = async (token: string) =>
      transport.send(
        url,
        {
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            prefer: 'outlook.timezone="UTC"',
          },
        },
        send,
      );
    const token = await tokens.get(send);
    let response = await request(token);
    if (response.status === 401) {
      // An expired or revoked token: get a fresh one, once.
      tokens.invalidate(token);
      response = await request(await tokens.get(send));
    }
    if (response.status !== 200) throw calendarError(response);
    const json = parseJsonBody(response);
    return parseCalendarPage(json);
  }

  return {
    async listSessions({ userId = config.userId, start, end, signal }) {
      if (!userId?.trim()) {
        throw new EventKitError(
          'INVALID_INPUT',
          'Graph source needs a user: pass userId or set GRAPH_USER_ID',
        );
      }
      if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end <= start) {
        throw new EventKitError(
          'INVALID_INPUT',
          'Graph source needs a time range whose end is after its start',
        );
      }
      const deadline = now().getTime() + maxTotalMs;
      const query = new URLSearchParams({
        startDateTime: start.toISOString(),
        endDateTime: end.toISOString(),
        $top: String(pageSize),
        $select: SELECT,
        $orderby: 'start/dateTime',
      });
      let url: string | undefined =
        `${config.apiUrl}/v1.0/users/${encodeURIComponent(userId.trim())}/calendarView?${query}`;
      const sessions = new Map<string, Session>();
      let skipped = 0;
      for (let page = 0; url !== undefined; page++) {
        if (page === maxPages) {
          logger?.warning(
            `Graph calendarView has more than ${maxPages} pages; using the first ${sessions.size} sessions (raise maxPages or narrow the range)`,
          );
          break;
        }
        const { events, nextLink } = await getPage(url, deadline, signal);
        for (const event of events) {
          const mapped = mapGraphEvent(event, popularity);
          if (!mapped.ok) skipped++;
          else if (!sessions.has(mapped.session.id))
            sessions.set(mapped.session.id, mapped.session);
        }
        url = nextLink === undefined ? undefined : checkNextLink(nextLink, apiOrigin);
      }
      if (skipped > 0 && sessions.size === 0) {
        logger?.warning(
          `Graph calendarView: all ${skipped} events skipped (cancelled, all-day or ending when they start)`,
        );
      }
      // UTC ISO strings of one format sort chronologically; the sort is stable for equal starts.
      return [...sessions.values()].sort((a, b) =>
        a.start < b.start ? -1 : a.start > b.start ? 1 : 0,
      );
    },

    async checkAuth({ signal, maxTotalMs: budget = maxTotalMs } = {}) {
      await tokens.get({ deadline: now().getTime() + budget, ...(signal ? { signal } : {}) });
    },
  };
}

// The bearer token goes to whatever URL nextLink names, so it must stay on the Graph host.
function checkNextLink(nextLink: string, apiOrigin: string): string {
  let url: URL;
  try {
    url = new URL(nextLink);
  } catch {
    throw new EventKitError(
      'UPSTREAM_FAILED',
      'Graph calendarView returned a malformed @odata.nextLink',
    );
  }
  if (url.origin !== apiOrigin) {
    throw new EventKitError(
      'UPSTREAM_FAILED',
      `Graph calendarView's @odata.nextLink points to ${url.origin}, not ${apiOrigin}; refusing to send the token there`,
    );
  }
  return url.href;
}

function parseJsonBody(response: GraphResponse): unknown {
  try {
    return JSON.parse(response.body);
  } catch {
    throw new EventKitError(
      'UPSTREAM_FAILED',
      `Graph calendarView returned malformed JSON (HTTP ${response.status}, ${response.body.length} bytes)`,
    );
  }
}

function calendarError(response: GraphResponse): EventKitError {
  const error = parseJsonObject(response.body)?.error as Record<string, unknown> | undefined;
  const code = safeCode(error?.code) ?? 'no error code';
  const status = response.status;
  if (status === 401) {
    return new EventKitError(
      'UPSTREAM_AUTH_FAILED',
      `Graph authentication failed: the API rejected a freshly issued token (HTTP 401, ${code}); check GRAPH_TENANT_ID and the app registration`,
    );
  }
  if (status === 403) {
    return new EventKitError(
      'UPSTREAM_AUTH_FAILED',
      `Graph denied access to the calendar (HTTP 403, ${code}); grant the app the Calendars.Read application permission`,
    );
  }
  if (status === 404) {
    return new EventKitError(
      'UPSTREAM_FAILED',
      `Graph user or calendar not found (HTTP 404, ${code}); check GRAPH_USER_ID or the userId parameter`,
    );
  }
  return new EventKitError(
    'UPSTREAM_FAILED',
    `Graph calendarView answered HTTP ${status} (${code})`,
  );
}
