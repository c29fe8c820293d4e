import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createGraphClient, createSessionSource } from '@eventkit/core';
import { type LoadedManifest, loadManifest } from '@eventkit/core/manifest';
import { createFakeGraphServer, type FakeGraphServer } from '@eventkit/core/testing';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, json, PYTHON_MANIFEST, REPO_ROOT } from '../test-support/test-deps.js';
import { createTracing } from '../tracing.js';

// What the Python agent documented: its expected rankings and the telemetry its clients caused.
const FIXTURES = path.join(REPO_ROOT, 'fixtures/python-eventkit');
const expected = JSON.parse(
  readFileSync(path.join(FIXTURES, 'python-eventkit-expected.json'), 'utf8'),
) as { recommend: { interests: string; top: number; titles: string[] }[] };
const pythonCorrelationIds = readFileSync(
  path.join(FIXTURES, 'python-eventkit-telemetry.jsonl'),
  'utf8',
)
  .trim()
  .split('\n')
  .map((line) => (JSON.parse(line) as { correlation_id: string }).correlation_id)
  .slice(0, 3);

// The fixture manifest's sessions, as a Graph calendar: /recommend-graph must rank them alike.
const manifestSessions = JSON.parse(readFileSync(PYTHON_MANIFEST, 'utf8')).sessions as {
  id: string;
  title: string;
  start: string;
  end: string;
  tags: string[];
}[];
const CALENDAR = manifestSessions.map((s) => ({
  id: s.id,
  subject: s.title,
  start: `2026-03-15T${s.start}:00Z`,
  end: `2026-03-15T${s.end}:00Z`,
  categories: s.tags,
}));
const WINDOW = 'start=2026-03-15&end=2026-03-16';

let fake: FakeGraphServer;
let loaded: LoadedManifest;
beforeEach(async () => {
  fake = await createFakeGraphServer({ calendars: { 'ada@contoso.test': CALENDAR } });
  loaded = await loadManifest(PYTHON_MANIFEST);
});
afterEach(() => fake.close());

/** The app with the Graph source wired as runtime.ts wires it, on a clock the test moves. */
async function graphApp({
  ttlSeconds = 60,
  apiToken,
}: {
  ttlSeconds?: number;
  apiToken?: string;
} = {}) {
  let clock = Date.parse('2026-03-14T08:00:00Z');
  const now = () => new Date(clock);
  const graph = createGraphClient(fake.config(), { sleep: async () => {}, maxRetries: 0 });
  const spans = new InMemorySpanExporter();
  const test = await createTestApp({
    manifest: loaded,
    sessions: createSessionSource(loaded, { graph, graphCacheTtlMs: ttlSeconds * 1000, now }),
    tracing: createTracing({ exporter: 'none', spanExporter: spans }),
    ...(apiToken ? { apiToken } : {}),
  });
  return {
    ...test,
    spans,
    calendarReads: () => fake.requests.filter((r) => r.route === 'calendar').length,
    advance: (seconds: number) => {
      clock += seconds * 1000;
    },
  };
}

describe('card=1: the Adaptive Card where the Python agent puts it', () => {
  it.each(expected.recommend)(
    'answers adaptiveCard for interests=$interests top=$top, with the same sessions',
    async ({ interests, top, titles }) => {
      const { app } = await createTestApp();
      const body = await json(
        await app.request(
          `/recommend?interests=${encodeURIComponent(interests)}&top=${top}&card=1`,
        ),
      );
      expect(body.adaptiveCard).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
      for (const title of titles) expect(JSON.stringify(body.adaptiveCard)).toContain(title);
      expect(body.sessions.map((s: { title: string }) => s.title)).toEqual(titles);
    },
  );

  it("keeps `card`, the same card, for this agent's earlier clients", async () => {
    const { app } = await createTestApp();
    const body = await json(await app.request('/recommend?interests=agents&card=1'));
    expect(body.card).toEqual(body.adaptiveCard);
  });

  it('answers neither without card=1', async () => {
    const { app } = await createTestApp();
    const body = await json(await app.request('/recommend?interests=agents'));
    expect(body).not.toHaveProperty('adaptiveCard');
    expect(body).not.toHaveProperty('card');
  });
});

describe('/recommend-graph: /recommend with the Graph source', () => {
  it('answers exactly what /recommend?source=graph answers, telemetry action recommend', async () => {
    const { app, events } = await graphApp();
    const query = `interests=agents,ai%20safety&top=3&userId=ada@contoso.test&${WINDOW}`;
    const res = await app.request(`/recommend-graph?${query}`);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.source).toBe('graph');
    expect(body.sessions.map((s: { id: string }) => s.id)).toEqual(['s1', 's2', 's3']);
    expect(body).toEqual(await json(await app.request(`/recommend?source=graph&${query}`)));
    expect(events).toEqual([
      expect.objectContaining({
        action: 'recommend',
        success: true,
        payload: expect.objectContaining({ source: 'graph', graph_cache: 'miss', returned: 3 }),
      }),
      expect.objectContaining({
        action: 'recommend',
        payload: expect.objectContaining({ source: 'graph', graph_cache: 'hit' }),
      }),
    ]);
  });

  it('uses Graph even when the query names another source', async () => {
    const { app } = await graphApp();
    const body = await json(
      await app.request(
        `/recommend-graph?interests=agents&source=manifest&userId=ada@contoso.test&${WINDOW}`,
      ),
    );
    expect(body.source).toBe('graph');
  });

  it('answers the Adaptive Card under adaptiveCard with card=1', async () => {
    const { app } = await graphApp();
    const body = await json(
      await app.request(
        `/recommend-graph?interests=agents&card=1&userId=ada@contoso.test&${WINDOW}`,
      ),
    );
    expect(body.adaptiveCard).toMatchObject({ type: 'AdaptiveCard' });
  });

  it.each([
    ['interests=', 'interests must not be empty'],
    ['interests=agents&top=51', 'top must be a whole number from 1 to 50'],
    ['interests=agents&userId=a/b', 'userId must be a Graph user id'],
    ['interests=agents&start=yesterday', 'start must be an ISO date'],
  ])('validates like /recommend: 400 for ?%s', async (query, message) => {
    const { app, events } = await graphApp();
    const res = await app.request(`/recommend-graph?${query}`);
    expect(res.status).toBe(400);
    expect((await json(res)).error).toContain(message);
    expect(events).toEqual([expect.objectContaining({ action: 'recommend', success: false })]);
    expect(fake.requests).toHaveLength(0);
  });

  it('answers 400 when this server has no Graph configuration', async () => {
    const { app } = await createTestApp();
    const res = await app.request('/recommend-graph?interests=agents');
    expect(res.status).toBe(400);
    expect((await json(res)).error).toContain('no Microsoft Graph configuration');
  });

  it('asks for the bearer token like /recommend, and logs action unauthorized', async () => {
    const { app, events } = await graphApp({ apiToken: 'secret-token-1' });
    const url = `/recommend-graph?interests=agents&userId=ada@contoso.test&${WINDOW}`;
    expect((await app.request(url)).status).toBe(401);
    const ok = await app.request(url, { headers: { Authorization: 'Bearer secret-token-1' } });
    expect(ok.status).toBe(200);
    expect(events.map((e) => e.action)).toEqual(['unauthorized', 'recommend']);
    expect(fake.requests.filter((r) => r.route === 'calendar')).toHaveLength(1);
  });
});

describe('the Graph cache, seen from HTTP', () => {
  it('serves a burst from one Graph read, and says hit in telemetry and the span', async () => {
    const { app, events, spans, calendarReads, advance } = await graphApp();
    const url = `/recommend-graph?interests=agents&userId=ada@contoso.test&${WINDOW}`;
    expect((await app.request(url)).status).toBe(200);
    const burst = await Promise.all(Array.from({ length: 10 }, () => app.request(url)));
    expect(burst.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(calendarReads()).toBe(1);
    expect(events.map((e) => (e.payload as { graph_cache?: string }).graph_cache)).toEqual([
      'miss',
      ...Array(10).fill('hit'),
    ]);
    const loads = spans.getFinishedSpans().filter((s) => s.name === 'load_sessions');
    expect(loads.map((s) => s.attributes['eventkit.graph_cache_hit'])).toEqual([
      false,
      ...Array(10).fill(true),
    ]);
    advance(60);
    await app.request(url);
    expect(calendarReads()).toBe(2);
  });

  it('reads Graph on every request with GRAPH_CACHE_TTL_SECONDS=0, with no graph_cache field', async () => {
    const { app, events, calendarReads } = await graphApp({ ttlSeconds: 0 });
    const url = `/recommend?source=graph&interests=agents&userId=ada@contoso.test&${WINDOW}`;
    await app.request(url);
    await app.request(url);
    expect(calendarReads()).toBe(2);
    expect(events[1]?.payload).not.toHaveProperty('graph_cache');
  });

  it('keeps the good copy when Graph fails within the TTL', async () => {
    const { app, calendarReads, advance } = await graphApp();
    const url = `/recommend-graph?interests=agents&userId=ada@contoso.test&${WINDOW}`;
    await app.request(url);
    fake.fail('calendar', { status: 503 });
    advance(30);
    expect((await app.request(url)).status).toBe(200);
    expect(calendarReads()).toBe(1);
  });
});

describe('X-Correlation-ID round-trips', () => {
  it.each(pythonCorrelationIds)(
    "echoes the Python agent's id %s and records it as the trace id",
    async (id) => {
      const { app, events } = await createTestApp();
      const res = await app.request('/recommend?interests=agents', {
        headers: { 'X-Correlation-ID': id },
      });
      expect(res.headers.get('x-correlation-id')).toBe(id);
      expect(events[0]?.trace_id).toBe(id.replaceAll('-', ''));
    },
  );

  it.each([
    ['/recommend-graph?interests=agents', 400],
    ['/explain?session=Missing%20Talk&interests=agents', 404],
    ['/export?interests=agents', 200],
    ['/nowhere', 404],
  ])('echoes it on %s (%i) too', async (url, status) => {
    const { app } = await createTestApp();
    const id = pythonCorrelationIds[0] as string;
    const res = await app.request(url, { headers: { 'X-Correlation-ID': id } });
    expect(res.status).toBe(status);
    expect(res.headers.get('x-correlation-id')).toBe(id);
  });

  it('exposes it to browser clients (the webchat page reads it)', async () => {
    const { app } = await createTestApp();
    const res = await app.request('/recommend?interests=agents', {
      headers: { Origin: 'https://chat.example', 'X-Correlation-ID': 'order-1234' },
    });
    expect(res.headers.get('access-control-expose-headers')).toContain('X-Correlation-ID');
    expect(res.headers.get('x-correlation-id')).toBe('order-1234');
  });
});

describe('/health as the seed documents it', () => {
  it('answers {status, timestamp, version, uptime_seconds}, with no telemetry line', async () => {
    const { app, events } = await createTestApp();
    const res = await app.request('/health');
    expect(res.status).toBe(200);
    expect(Object.keys(await json(res)).sort()).toEqual([
      'status',
      'timestamp',
      'uptime_seconds',
      'version',
    ]);
    expect(events).toHaveLength(0);
  });
});
