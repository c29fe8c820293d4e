import { randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { utcToZonedWallTime } from '../../time/zoned-time.js';
import type { GraphConfig } from '../graph-config.js';

/** A calendar event as a test writes it; times are UTC ISO strings. */
export interface FakeGraphEvent {
  id?: string;
  subject?: string | null;
  start: string;
  end: string;
  categories?: string[];
  location?: string;
  isCancelled?: boolean;
  isAllDay?: boolean;
}

/** One scripted answer, used instead of the normal one by the next request on its route. */
export type FakeGraphFault =
  /** Answer with this status (and JSON body), e.g. 429 with `retryAfter: '2'`. */
  | { status: number; retryAfter?: string; body?: unknown }
  /** Answer 200 with this raw text, e.g. truncated JSON. */
  | { rawBody: string; status?: number }
  /** Answer normally, after `delayMs`. */
  | { delayMs: number }
  /** Send headers and half a body, then nothing until the client gives up. */
  | { stall: true };

export type FakeGraphRoute = 'token' | 'calendar';

export interface FakeGraphRequest {
  route: FakeGraphRoute | 'other';
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The form fields of a token request. */
  form?: Record<string, string>;
}

export interface FakeGraphServerOptions {
  tenantId?: string;
  clientId?: string;
  /** Default: random, so a test can grep output for it without false hits. */
  clientSecret?: string;
  tokenLifetimeSeconds?: number;
  /** Calendars by user id; a user not listed answers 404. */
  calendars?: Record<string, FakeGraphEvent[]>;
  /** Largest page served, whatever `$top` asks. */
  maxPageSize?: number;
}

export interface FakeGraphServer {
  /** `http://127.0.0.1:<port>`: both the authority and the API URL. */
  url: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** The default user (first of `calendars`, or "ada@contoso.test"). */
  userId: string;
  /** A client config pointing at this server; `overrides` e.g. a wrong secret. */
  config(overrides?: Partial<GraphConfig>): GraphConfig;
  /** The same as GRAPH_* environment variables, for a server or CLI process. */
  env(overrides?: Record<string, string>): Record<string, string>;
  requests: FakeGraphRequest[];
  /** Every access token handed out, in order. */
  issuedTokens: string[];
  setCalendar(userId: string, events: FakeGraphEvent[]): void;
  /** Queues scripted answers for the next requests on `route`, one each. */
  fail(route: FakeGraphRoute, ...faults: FakeGraphFault[]): void;
  /** Every token issued so far now gets 401, as after expiry. */
  revokeTokens(): void;
  close(): Promise<void>;
}

const SCOPE = 'https://graph.microsoft.com/.default';

/**
 * A loopback stand-in for Microsoft Graph and the Microsoft identity platform: the
 * client-credentials token endpoint (validating tenant, client, secret and form fields) and
 * `/v1.0/users/{id}/calendarView` with paging, plus scripted throttling, expiry, slowness and
 * malformed bodies. Its error texts echo what the client sent, as a careless upstream might,
 * so tests prove the client never repeats upstream text.
 */
export async function createFakeGraphServer({
  tenantId = 'contoso-tenant',
  clientId = '11111111-2222-3333-4444-555555555555',
  clientSecret = `fake-secret-${randomBytes(12).toString('hex')}`,
  tokenLifetimeSeconds = 3599,
  calendars = { 'ada@contoso.test': [] },
  maxPageSize = 1000,
}: FakeGraphServerOptions = {}): Promise<FakeGraphServer> {
  const events = new Map(Object.entries(calendars));
  const faults: Record<FakeGraphRoute, FakeGraphFault[]> = { token: [], calendar: [] };
  const requests: FakeGraphRequest[] = [];
  const issuedTokens: string[] = [];
  const validTokens = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let origin = '';

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'InternalServerError' } });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req);
    const tokenMatch = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    const calendarMatch = /^\/v1\.0\/users\/([^/]+)\/calendarView$/i.exec(url.pathname);
    const route: FakeGraphRequest['route'] = tokenMatch
      ? 'token'
      : calendarMatch
        ? 'calendar'
        : 'other';
    const form = route === 'token' ? Object.fromEntries(new URLSearchParams(body)) : undefined;
    requests.push({
      route,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      ...(form ? { form } : {}),
    });
    if (route === 'other') {
      sendJson(res, 404, {
        error: { code: 'BadRequest', message: `Unsupported: ${url.pathname}` },
      });
      return;
    }
    const fault = faults[route].shift();
    if (fault && 'delayMs' in fault) await delay(fault.delayMs, res);
    else if (fault) return void answerFault(fault, res);
    if (res.destroyed) return;
    if (tokenMatch) token(decodeURIComponent(tokenMatch[1] as string), req, form ?? {}, res);
    else
      calendar(decodeURIComponent((calendarMatch as RegExpExecArray)[1] as string), url, req, res);
  }

  function answerFault(fault: Exclude<FakeGraphFault, { delayMs: number }>, res: ServerResponse) {
    if ('stall' in fault) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"value":[');
      return; // the client's timeout ends it, or close()
    }
    if ('rawBody' in fault) {
      res.writeHead(fault.status ?? 200, { 'content-type': 'application/json' });
      res.end(fault.rawBody);
      return;
    }
    const headers: Record<string, string> = fault.retryAfter
      ? { 'retry-after': fault.retryAfter }
      : {};
    sendJson(
      res,
      fault.status,
      fault.body ?? { error: { code: statusCode(fault.status) } },
      headers,
    );
  }

  function token(
    tenant: string,
    req: IncomingMessage,
    form: Record<string, string>,
    res: ServerResponse,
  ) {
    const aad = (status: number, error: string, description: string) =>
      sendJson(res, status, {
        error,
        error_description: description,
        error_codes: [],
        trace_id: 'fake',
      });
    if (req.method !== 'POST') return aad(405, 'invalid_request', 'AADSTS900561: POST required.');
    if (!req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
      return aad(400, 'invalid_request', 'AADSTS900144: The request body must be form-encoded.');
    }
    if (tenant !== tenantId)
      return aad(400, 'invalid_request', `AADSTS90002: Tenant '${tenant}' not found.`);
    if (form.grant_type !== 'client_credentials') {
      return aad(
        400,
        'unsupported_grant_type',
        `AADSTS70003: grant_type '${form.grant_type}' not supported.`,
      );
    }
    if (form.scope !== SCOPE)
      return aad(400, 'invalid_scope', `AADSTS1002012: scope '${form.scope}' is not valid.`);
    if (form.client_id !== clientId) {
      return aad(
        400,
        'unauthorized_client',
        `AADSTS700016: Application '${form.client_id}' not found.`,
      );
    }
    if (form.client_secret !== clientSecret) {
      return aad(
        401,
        'invalid_client',
        `AADSTS7000215: Invalid client secret provided: '${form.client_secret}'.`,
      );
    }
    const accessToken = `fake-access-token-${randomBytes(16).toString('hex')}`;
    issuedTokens.push(accessToken);
    validTokens.add(accessToken);
    sendJson(res, 200, {
      token_type: 'Bearer',
      expires_in: tokenLifetimeSeconds,
      ext_expires_in: tokenLifetimeSeconds,
      access_token: accessToken,
    });
  }

  function calendar(userId: string, url: URL, req: IncomingMessage, res: ServerResponse) {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !validTokens.has(bearer)) {
      return sendJson(res, 401, {
        error: {
          code: 'InvalidAuthenticationToken',
          message: `Access token has expired or is not yet valid: ${bearer ?? '(none)'}`,
        },
      });
    }
    const from = Date.parse(url.searchParams.get('startDateTime') ?? '');
    const to = Date.parse(url.searchParams.get('endDateTime') ?? '');
    if (Number.isNaN(from) || Number.isNaN(to)) {
      return sendJson(res, 400, {
        error: {
          code: 'ErrorInvalidParameter',
          message:
            'This request requires a time window specified by StartDateTime and EndDateTime.',
        },
      });
    }
    const calendarEvents = events.get(userId);
    if (!calendarEvents) {
      return sendJson(res, 404, {
        error: { code: 'ErrorItemNotFound', message: `User '${userId}' was not found.` },
      });
    }
    const zone = /outlook\.timezone="([^"]+)"/.exec(String(req.headers.prefer ?? ''))?.[1] ?? 'UTC';
    const inRange = calendarEvents
      .filter((event) => Date.parse(event.start) < to && Date.parse(event.end) > from)
      .sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
    const size = Math.min(Number(url.searchParams.get('$top') ?? 10) || 10, maxPageSize);
    const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
    const page = inRange.slice(skip, skip + size);
    let nextLink: string | undefined;
    if (skip + size < inRange.length) {
      const next = new URL(url.pathname, origin);
      for (const [key, value] of url.searchParams)
        if (key !== '$skiptoken') next.searchParams.set(key, value);
      next.searchParams.set('$skiptoken', String(skip + size));
      nextLink = next.href;
    }
    sendJson(res, 200, {
      '@odata.context': `${origin}/v1.0/$metadata#users('${userId}')/calendarView`,
      value: page.map((event, i) => graphEvent(event, skip + i, zone)),
      ...(nextLink ? { '@odata.nextLink': nextLink } : {}),
    });
  }

  function delay(ms: number, res: ServerResponse) {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      timers.add(timer);
      res.once('close', done);
      function done() {
        clearTimeout(timer);
        timers.delete(timer);
        resolve();
      }
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  origin = url;
  const userId = events.keys().next().value ?? 'ada@contoso.test';

  return {
    url,
    tenantId,
    clientId,
    clientSecret,
    userId,
    config: (overrides = {}) => ({
      tenantId,
      clientId,
      clientSecret,
      userId,
      authorityUrl: url,
      apiUrl: url,
      ...overrides,
    }),
    env: (overrides = {}) => ({
      GRAPH_TENANT_ID: tenantId,
      GRAPH_CLIENT_ID: clientId,
      GRAPH_CLIENT_SECRET: clientSecret,
      GRAPH_USER_ID: userId,
      GRAPH_AUTHORITY_URL: url,
      GRAPH_API_URL: url,
      ...overrides,
    }),
    requests,
    issuedTokens,
    setCalendar: (user, list) => events.set(user, list),
    fail: (route, ...list) => faults[route].push(...list),
    revokeTokens: () => validTokens.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function graphEvent(event: FakeGraphEvent, index: number, zone: string) {
  return {
    '@odata.etag': `W/"${index}"`,
    id: event.id ?? `AAMkAGI2-event-${index}`,
    subject: event.subject === undefined ? `Event ${index}` : event.subject,
    categories: event.categories ?? [],
    start: { dateTime: wallTime(event.start, zone), timeZone: zone },
    end: { dateTime: wallTime(event.end, zone), timeZone: zone },
    location: { displayName: event.location ?? '', locationType: 'default' },
    isCancelled: event.isCancelled ?? false,
    isAllDay: event.isAllDay ?? false,
    showAs: 'busy',
    bodyPreview: '',
    organizer: { emailAddress: { name: 'Organizer', address: 'organizer@contoso.test' } },
  };
}

/** Graph's `dateTime`: wall time in `zone`, 7 fractional digits, no offset. */
function wallTime(iso: string, zone: string): string {
  const wall = new Date(utcToZonedWallTime(Date.parse(iso), zone));
  return `${wall.toISOString().slice(0, 19)}.0000000`;
}

function statusCode(status: number): string {
  if (status === 429) return 'TooManyRequests';
  if (status === 503) return 'ServiceNotAvailable';
  if (status === 504) return 'GatewayTimeout';
  return `Http${status}`;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
