import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventKitError } from '../errors.js';
import { createGraphClient, type GraphClientOptions } from './graph-client.js';
import type { GraphConfig } from './graph-config.js';
import {
  createFakeGraphServer,
  type FakeGraphEvent,
  type FakeGraphServer,
} from './test-support/fake-graph-server.js';

const RANGE = { start: new Date('2026-03-15T00:00:00Z'), end: new Date('2026-03-17T00:00:00Z') };

function conferenceDay(count: number): FakeGraphEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `evt-${i}`,
    subject: `Session ${i}`,
    start: `2026-03-15T${String(9 + i).padStart(2, '0')}:00:00Z`,
    end: `2026-03-15T${String(9 + i).padStart(2, '0')}:45:00Z`,
    categories: ['Agents', 'AI Safety'],
    location: `Hall ${i}`,
  }));
}

let fake: FakeGraphServer;

beforeEach(async () => {
  fake = await createFakeGraphServer({ calendars: { 'ada@contoso.test': conferenceDay(5) } });
});
afterEach(async () => {
  await fake.close();
});

/** A client on a fake clock: `sleep` advances it instead of waiting. */
function harness(options: GraphClientOptions = {}, config: Partial<GraphConfig> = {}) {
  let clock = Date.parse('2026-03-14T08:00:00Z');
  const sleeps: number[] = [];
  const warnings: string[] = [];
  const client = createGraphClient(fake.config(config), {
    now: () => new Date(clock),
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    random: () => 0,
    logger: { warning: (message) => warnings.push(message) },
    ...options,
  });
  const calls = (route: 'token' | 'calendar') => fake.requests.filter((r) => r.route === route);
  return { client, sleeps, warnings, calls, advance: (ms: number) => (clock += ms) };
}

async function failure(promise: Promise<unknown>): Promise<EventKitError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EventKitError);
  return error as EventKitError;
}

describe('listSessions', () => {
  it('follows @odata.nextLink across pages and maps every event to a session', async () => {
    const { client, calls } = harness({ pageSize: 2 });
    const sessions = await client.listSessions(RANGE);
    expect(sessions.map((s) => s.id)).toEqual(['evt-0', 'evt-1', 'evt-2', 'evt-3', 'evt-4']);
    expect(sessions[0]).toEqual({
      id: 'evt-0',
      title: 'Session 0',
      start: '2026-03-15T09:00:00Z',
      end: '2026-03-15T09:45:00Z',
      location: 'Hall 0',
      tags: ['agents', 'ai safety'],
      popularity: 0.5,
    });
    expect(calls('calendar')).toHaveLength(3);
    expect(calls('calendar').map((r) => r.query.$skiptoken)).toEqual([undefined, '2', '4']);
  });

  it('asks for UTC times with a bearer token and the requested window', async () => {
    const { client, calls } = harness();
    await client.listSessions(RANGE);
    const [request] = calls('calendar');
    expect(request?.path).toBe('/v1.0/users/ada%40contoso.test/calendarView');
    expect(request?.headers.prefer).toBe('outlook.timezone="UTC"');
    expect(request?.headers.authorization).toBe(`Bearer ${fake.issuedTokens[0]}`);
    expect(request?.query).toMatchObject({
      startDateTime: '2026-03-15T00:00:00.000Z',
      endDateTime: '2026-03-17T00:00:00.000Z',
    });
  });

  it('exchanges client credentials as a form for the Graph .default scope', async () => {
    const { client, calls } = harness();
    await client.listSessions(RANGE);
    const [request] = calls('token');
    expect(request?.path).toBe(`/${fake.tenantId}/oauth2/v2.0/token`);
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.form).toEqual({
      client_id: fake.clientId,
      client_secret: fake.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
      grant_type: 'client_credentials',
    });
  });

  it('reads the calendar of the user asked for instead of GRAPH_USER_ID', async () => {
    fake.setCalendar('grace@contoso.test', conferenceDay(1));
    const { client } = harness();
    const sessions = await client.listSessions({ ...RANGE, userId: 'grace@contoso.test' });
    expect(sessions.map((s) => s.id)).toEqual(['evt-0']);
  });

  it('returns no sessions for an empty calendar', async () => {
    fake.setCalendar(fake.userId, []);
    const { client, calls } = harness();
    await expect(client.listSessions(RANGE)).resolves.toEqual([]);
    expect(calls('calendar')).toHaveLength(1);
  });

  it('skips cancelled, all-day and zero-length events', async () => {
    fake.setCalendar(fake.userId, [
      ...conferenceDay(1),
      { id: 'c', start: '2026-03-15T10:00:00Z', end: '2026-03-15T11:00:00Z', isCancelled: true },
      { id: 'd', start: '2026-03-15T00:00:00Z', end: '2026-03-16T00:00:00Z', isAllDay: true },
      { id: 'z', start: '2026-03-15T12:00:00Z', end: '2026-03-15T12:00:00Z' },
    ]);
    const { client } = harness();
    expect((await client.listSessions(RANGE)).map((s) => s.id)).toEqual(['evt-0']);
  });

  it('stops at the page cap with a warning instead of paging forever', async () => {
    const { client, calls, warnings } = harness({ pageSize: 2, maxPages: 2 });
    const sessions = await client.listSessions(RANGE);
    expect(sessions).toHaveLength(4);
    expect(calls('calendar')).toHaveLength(2);
    expect(warnings).toEqual([expect.stringContaining('more than 2 pages')]);
  });

  it.each([
    ['no user', { userId: undefined }, {}, 'pass userId or set GRAPH_USER_ID'],
    ['an empty range', {}, { start: RANGE.end, end: RANGE.start }, 'end is after its start'],
  ])('rejects %s before calling Graph', async (_, config, override, message) => {
    const { client } = harness({}, config);
    const error = await failure(client.listSessions({ ...RANGE, ...override }));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain(message);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('tokens', () => {
  it('reuses a cached token across calls', async () => {
    const { client, calls } = harness();
    await client.listSessions(RANGE);
    await client.listSessions(RANGE);
    expect(calls('token')).toHaveLength(1);
  });

  it('fetches a new token shortly before the old one expires', async () => {
    const { client, calls, advance } = harness();
    await client.listSessions(RANGE);
    advance(54 * 60_000); // 3599 s lifetime, refreshed 5 min early
    await client.listSessions(RANGE);
    expect(calls('token')).toHaveLength(1);
    advance(2 * 60_000);
    await client.listSessions(RANGE);
    expect(calls('token')).toHaveLength(2);
  });

  it('refreshes the token once when Graph answers 401 (expired token)', async () => {
    const { client, calls } = harness();
    await client.listSessions(RANGE);
    fake.revokeTokens();
    const sessions = await client.listSessions(RANGE);
    expect(sessions).toHaveLength(5);
    expect(calls('token')).toHaveLength(2);
    expect(calls('calendar').at(-1)?.headers.authorization).toBe(`Bearer ${fake.issuedTokens[1]}`);
  });

  it('gives up with UPSTREAM_AUTH_FAILED when a fresh token is rejected too', async () => {
    fake.fail('calendar', { status: 401 }, { status: 401 });
    const { client, calls } = harness();
    const error = await failure(client.listSessions(RANGE));
    expect(error.code).toBe('UPSTREAM_AUTH_FAILED');
    expect(calls('token')).toHaveLength(2);
    expect(calls('calendar')).toHaveLength(2);
  });

  it.each([
    ['a wrong client secret', { clientSecret: 'not-the-secret' }, 'invalid_client, AADSTS7000215'],
    ['an unknown client id', { clientId: 'nobody' }, 'unauthorized_client, AADSTS700016'],
    ['an unknown tenant', { tenantId: 'elsewhere' }, 'invalid_request, AADSTS90002'],
  ])(
    'reports %s as UPSTREAM_AUTH_FAILED naming the variables to check',
    async (_, config, detail) => {
      const { client, calls } = harness({}, config);
      const error = await failure(client.listSessions(RANGE));
      expect(error.code).toBe('UPSTREAM_AUTH_FAILED');
      expect(error.message).toContain(detail);
      expect(error.message).toContain('GRAPH_CLIENT_SECRET');
      expect(calls('calendar')).toHaveLength(0);
    },
  );

  it('checkAuth resolves with good credentials and throws with bad ones', async () => {
    await expect(harness().client.checkAuth()).resolves.toBeUndefined();
    const bad = harness({}, { clientSecret: 'wrong' });
    expect((await failure(bad.client.checkAuth())).code).toBe('UPSTREAM_AUTH_FAILED');
  });

  it('shares one token exchange between concurrent calls', async () => {
    const { client, calls } = harness();
    await Promise.all([client.listSessions(RANGE), client.listSessions(RANGE), client.checkAuth()]);
    expect(calls('token')).toHaveLength(1);
  });
});

describe('throttling and outages', () => {
  it('retries 429/503/504 with backoff, honouring Retry-After, and logs each retry', async () => {
    fake.fail('calendar', { status: 429, retryAfter: '7' }, { status: 503 }, { status: 504 });
    const { client, sleeps, warnings } = harness();
    await expect(client.listSessions(RANGE)).resolves.toHaveLength(5);
    // Retry-After 7 s beats the first backoff; then 1 s and 2 s backoff (with jitter at 0: halves).
    expect(sleeps).toEqual([7000, 500, 1000]);
    expect(warnings).toHaveLength(3);
    for (const warning of warnings) expect(warning).toMatch(/^Graph API rate limit, retrying/);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    const { client, sleeps } = harness();
    const in12s = new Date(Date.parse('2026-03-14T08:00:12Z')).toUTCString();
    fake.fail('calendar', { status: 429, retryAfter: in12s });
    await client.listSessions(RANGE);
    expect(sleeps).toEqual([12_000]);
  });

  it('spreads retries with jitter', async () => {
    fake.fail('calendar', { status: 503 }, { status: 503 });
    const { client, sleeps } = harness({ random: () => 0.999 });
    await client.listSessions(RANGE);
    expect(sleeps).toEqual([500, 1000]); // ceil(250 + 0.999 × 250), ceil(500 + 0.999 × 500)
  });

  it('retries a throttled token endpoint as well', async () => {
    fake.fail('token', { status: 429, retryAfter: '1' });
    const { client, warnings } = harness();
    await expect(client.checkAuth()).resolves.toBeUndefined();
    expect(warnings).toEqual([
      expect.stringMatching(/^Graph API rate limit, retrying \(Graph token endpoint/),
    ]);
  });

  it('gives up with UPSTREAM_UNAVAILABLE after maxRetries', async () => {
    fake.fail('calendar', ...Array.from({ length: 3 }, () => ({ status: 429, retryAfter: '1' })));
    const { client, calls } = harness({ maxRetries: 2 });
    const error = await failure(client.listSessions(RANGE));
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.message).toContain('HTTP 429');
    expect(calls('calendar')).toHaveLength(3);
  });

  it('does not wait past the total budget when Retry-After asks for longer', async () => {
    fake.fail('calendar', { status: 429, retryAfter: '120' });
    const { client, sleeps } = harness({ maxTotalMs: 30_000 });
    const error = await failure(client.listSessions(RANGE));
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.message).toContain('would exceed the 30 s budget');
    expect(sleeps).toEqual([]);
  });

  it('bounds the total time over many pages and retries', async () => {
    fake.fail('calendar', ...Array.from({ length: 10 }, () => ({ status: 503, retryAfter: '4' })));
    const { client, sleeps } = harness({ maxRetries: 20, maxTotalMs: 10_000 });
    expect((await failure(client.listSessions(RANGE))).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10_000);
  });

  it.each([
    ['a slow answer', { delayMs: 10_000 }],
    ['a body that stalls halfway', { stall: true as const }],
  ])('times out %s and reports UPSTREAM_UNAVAILABLE', async (_, fault) => {
    fake.fail('calendar', fault);
    const { client } = harness({ timeoutMs: 200, maxRetries: 0 });
    const error = await failure(client.listSessions(RANGE));
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.message).toContain('did not answer within 200 ms');
  });

  it('retries after a timeout', async () => {
    fake.fail('calendar', { delayMs: 10_000 });
    const { client, warnings } = harness({ timeoutMs: 200 });
    await expect(client.listSessions(RANGE)).resolves.toHaveLength(5);
    expect(warnings).toEqual([expect.stringMatching(/^Graph API request timed out, retrying/)]);
  });

  it('reports an unreachable Graph as UPSTREAM_UNAVAILABLE', async () => {
    const port = await closedPort();
    const { client } = harness(
      { maxRetries: 1 },
      { authorityUrl: `http://127.0.0.1:${port}`, apiUrl: `http://127.0.0.1:${port}` },
    );
    const error = await failure(client.listSessions(RANGE));
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.message).toContain('unreachable (ECONNREFUSED)');
  });
});

describe('bad answers', () => {
  it.each([
    ['truncated JSON', { rawBody: '{"value":[' }, 'malformed JSON (HTTP 200, 10 bytes)'],
    ['a body without value', { status: 200, body: { items: [] } }, 'malformed page: value'],
    [
      'an event without start',
      { status: 200, body: { value: [{ id: 'x', end: { dateTime: '', timeZone: 'UTC' } }] } },
      'malformed page: value[0].start',
    ],
    [
      'a date-time Graph never sends',
      {
        status: 200,
        body: {
          value: [
            {
              id: 'x',
              start: { dateTime: 'tomorrow', timeZone: 'UTC' },
              end: { dateTime: 'tomorrow', timeZone: 'UTC' },
            },
          ],
        },
      },
      'malformed start.dateTime',
    ],
    [
      'a nextLink to another host',
      { status: 200, body: { value: [], '@odata.nextLink': 'https://evil.example/v1.0/next' } },
      'refusing to send the token there',
    ],
    ['a 500', { status: 500 }, 'answered HTTP 500 (Http500)'],
    ['a 403', { status: 403, body: { error: { code: 'ErrorAccessDenied' } } }, 'Calendars.Read'],
  ])('turns %s into a clear error', async (_, fault, message) => {
    fake.fail('calendar', fault);
    const { client } = harness();
    const error = await failure(client.listSessions(RANGE));
    expect(['UPSTREAM_FAILED', 'UPSTREAM_AUTH_FAILED']).toContain(error.code);
    expect(error.message).toContain(message);
  });

  it('reports an unknown user as not found', async () => {
    const { client } = harness();
    const error = await failure(client.listSessions({ ...RANGE, userId: 'nobody@contoso.test' }));
    expect(error.code).toBe('UPSTREAM_FAILED');
    expect(error.message).toContain('not found (HTTP 404, ErrorItemNotFound)');
    expect(error.message).not.toContain('nobody@contoso.test');
  });

  it.each([
    ['not JSON', { rawBody: 'Service Unavailable' }],
    ['no access_token', { status: 200, body: { token_type: 'Bearer', expires_in: 3600 } }],
  ])('rejects a token response that is %s', async (_, fault) => {
    fake.fail('token', fault);
    const error = await failure(harness().client.checkAuth());
    expect(error.code).toBe('UPSTREAM_FAILED');
    expect(error.message).toContain('malformed token response');
  });
});

describe('secrets', () => {
  it('never puts the client secret or an access token in errors, causes or logs', async () => {
    const seen: string[] = [];
    const record = async (promise: Promise<unknown>) => {
      try {
        await promise;
      } catch (error) {
        seen.push(String(error), (error as Error).stack ?? '', String((error as Error).cause));
      }
    };
    const good = harness({ timeoutMs: 200, maxRetries: 1 });
    await good.client.listSessions(RANGE);
    fake.revokeTokens(); // the fake echoes the rejected token in its 401 body
    fake.fail('calendar', { status: 401 });
    await good.client.listSessions(RANGE);
    fake.fail('calendar', { status: 401 }, { status: 401 });
    await record(good.client.listSessions(RANGE));
    fake.fail('calendar', { status: 429, retryAfter: '1' }, { stall: true }, { rawBody: '{' });
    await record(good.client.listSessions(RANGE));
    fake.fail('token', { status: 503 }, { status: 503 });
    await record(harness({ maxRetries: 1 }).client.checkAuth());
    // The fake echoes a wrong secret in its error_description, as a careless upstream might.
    const bad = harness({}, { clientSecret: 'wrong-secret-7f3a9c' });
    await record(bad.client.listSessions(RANGE));

    const output = [...seen, ...good.warnings, ...bad.warnings].join('\n');
    expect(seen.length).toBeGreaterThanOrEqual(12);
    expect(fake.issuedTokens.length).toBeGreaterThanOrEqual(3);
    for (const secret of [fake.clientSecret, 'wrong-secret-7f3a9c', ...fake.issuedTokens]) {
      expect(output).not.toContain(secret);
    }
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
