import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createGraphClient, createSessionSource, type GraphClientOptions } from '@eventkit/core';
import { type LoadedManifest, loadManifest } from '@eventkit/core/manifest';
import {
  createFakeGraphServer,
  type FakeGraphEvent,
  type FakeGraphServer,
} from '@eventkit/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { graphAuthCheck } from './health/graph-auth-check.js';
import { createHealthModel } from './health/health-model.js';
import { baseEnv, runBuilt, startBuilt } from './test-support/built-server.js';
import { tempDir } from './test-support/temp-dir.js';
import { createTestApp, json, PYTHON_MANIFEST } from './test-support/test-deps.js';

const CALENDAR: FakeGraphEvent[] = [
  {
    id: 'g1',
    subject: 'Agents in Production',
    start: '2026-03-15T09:00:00Z',
    end: '2026-03-15T09:45:00Z',
    categories: ['Agents'],
    location: 'Room 1',
  },
  {
    id: 'g2',
    subject: 'Safety Cases',
    start: '2026-03-15T09:30:00Z',
    end: '2026-03-15T10:15:00Z',
    categories: ['AI Safety', 'Agents'],
    location: 'Room 2',
  },
  {
    id: 'g3',
    subject: 'Lunch',
    start: '2026-03-15T12:00:00Z',
    end: '2026-03-15T13:00:00Z',
  },
];
const WINDOW = 'start=2026-03-15&end=2026-03-16';

let fake: FakeGraphServer;
let loaded: LoadedManifest;

beforeEach(async () => {
  fake = await createFakeGraphServer({ calendars: { 'ada@contoso.test': CALENDAR } });
  loaded = await loadManifest(PYTHON_MANIFEST);
});
afterEach(async () => {
  await fake.close();
});

/** The app with the Graph source and health check wired as runtime.ts wires them. */
async function graphApp(
  options: { secret?: string; client?: GraphClientOptions; configured?: boolean } = {},
) {
  const { secret, client: clientOptions = {}, configured = true } = options;
  const warnings: string[] = [];
  const client = createGraphClient(fake.config(secret ? { clientSecret: secret } : {}), {
    logger: { warning: (message) => warnings.push(message) },
    sleep: async () => {},
    ...clientOptions,
  });
  const test = await createTestApp({
    manifest: loaded,
    sessions: createSessionSource(loaded, { graph: configured ? client : undefined }),
    health: createHealthModel({
      version: '1.0.0-test',
      checks: configured ? [graphAuthCheck(client)] : [],
    }),
  });
  return { ...test, warnings };
}

describe('/recommend?source=graph', () => {
  it('recommends from the Graph calendar and records source "graph"', async () => {
    const { app, events } = await graphApp();
    const res = await app.request(`/recommend?source=graph&interests=agents,ai%20safety&${WINDOW}`);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.source).toBe('graph');
    expect(body.sessions.map((s: { id: string }) => s.id)).toEqual(['g2', 'g1', 'g3']);
    expect(body.sessions[0]).toMatchObject({
      title: 'Safety Cases',
      start: '2026-03-15T09:30:00Z',
      location: 'Room 2',
      tags: ['ai safety', 'agents'],
      popularity: 0.5,
    });
    expect(body.conflicts).toBe(1); // g1 overlaps the higher-ranked g2
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'recommend',
      success: true,
      payload: { source: 'graph', returned: 3 },
    });
    const [request] = fake.requests.filter((r) => r.route === 'calendar');
    expect(request?.query).toMatchObject({
      startDateTime: '2026-03-15T00:00:00.000Z',
      endDateTime: '2026-03-16T00:00:00.000Z',
    });
  });

  it('reads the calendar of ?userId=', async () => {
    fake.setCalendar('grace@contoso.test', [CALENDAR[2] as FakeGraphEvent]);
    const { app } = await graphApp();
    const res = await app.request(
      `/recommend?source=graph&userId=grace@contoso.test&interests=agents&${WINDOW}`,
    );
    expect((await json(res)).sessions.map((s: { id: string }) => s.id)).toEqual(['g3']);
  });

  it('keeps the manifest as the default source', async () => {
    const { app } = await graphApp();
    const body = await json(await app.request('/recommend?interests=agents'));
    expect(body.source).toBe('manifest');
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    [502, 'rejected credentials', { secret: 'wrong-secret' }, () => {}],
    [
      503,
      'throttling past the retry budget',
      { client: { maxRetries: 1 } },
      () => fake.fail('calendar', { status: 429 }, { status: 429 }),
    ],
    [
      503,
      'a timeout',
      { client: { timeoutMs: 100, maxRetries: 0 } },
      () => fake.fail('calendar', { stall: true }),
    ],
    [502, 'a malformed answer', {}, () => fake.fail('calendar', { rawBody: '{"value": [' })],
  ])(
    'answers %i for %s, with telemetry success:false and source "graph"',
    async (status, _, options, arrange) => {
      arrange();
      const { app, events } = await graphApp(options);
      const res = await app.request(`/recommend?source=graph&interests=agents&${WINDOW}`);
      expect(res.status).toBe(status);
      expect((await json(res)).error).toMatch(
        /^The session source is unavailable; try again later/,
      );
      expect(events).toEqual([
        expect.objectContaining({
          action: 'recommend',
          success: false,
          payload: expect.objectContaining({ source: 'graph' }),
          error: expect.stringMatching(/Graph/),
        }),
      ]);
    },
  );

  it('logs each throttled retry as a WARNING', async () => {
    fake.fail('calendar', { status: 429, retryAfter: '1' });
    const { app, warnings } = await graphApp();
    expect((await app.request(`/recommend?source=graph&interests=agents&${WINDOW}`)).status).toBe(
      200,
    );
    expect(warnings).toEqual([expect.stringMatching(/^Graph API rate limit, retrying/)]);
  });

  it.each([
    ['source=elsewhere', 'source must be manifest or graph'],
    ['source=graph&userId=a/b', 'userId must be a Graph user id'],
    ['source=graph&start=yesterday', 'start must be an ISO date'],
  ])('answers 400 for %s', async (query, message) => {
    const { app } = await graphApp();
    const res = await app.request(`/recommend?interests=agents&${query}`);
    expect(res.status).toBe(400);
    expect((await json(res)).error).toContain(message);
  });

  it('answers 400 when this server has no Graph configuration', async () => {
    const { app } = await graphApp({ configured: false });
    const res = await app.request('/recommend?source=graph&interests=agents');
    expect(res.status).toBe(400);
    expect((await json(res)).error).toContain('no Microsoft Graph configuration');
  });
});

describe('/explain and /export with source=graph', () => {
  it('explains and exports Graph sessions through the same source', async () => {
    const { app } = await graphApp();
    const explained = await app.request(
      `/explain?source=graph&session=safety%20cases&interests=agents&${WINDOW}`,
    );
    expect(explained.status).toBe(200);
    expect(await json(explained)).toMatchObject({
      title: 'Safety Cases',
      matched_tags: ['agents'],
    });
    const exported = await app.request(`/export?source=graph&interests=agents&${WINDOW}`);
    expect(exported.status).toBe(200);
    expect(await exported.text()).toContain('Safety Cases');
  });
});

describe('/health with Graph configured', () => {
  it('is healthy when a token can be obtained', async () => {
    const { app } = await graphApp();
    expect((await app.request('/health')).status).toBe(200);
  });

  it('reports "Graph API authentication failed" with 503', async () => {
    const { app } = await graphApp({ secret: 'wrong-secret' });
    const res = await app.request('/health');
    expect(res.status).toBe(503);
    expect((await json(res)).errors).toEqual(['Graph API authentication failed']);
  });
});

describe('built server with GRAPH_* pointing at the fake', () => {
  it('serves source=graph, checks Graph in /health and never reveals the secret or a token', async () => {
    // Every request reaches Graph here: this spec is about tokens and retries, not the cache.
    const good = await startBuilt({
      ...fake.env(),
      LOG_LEVEL: 'DEBUG',
      GRAPH_CACHE_TTL_SECONDS: '0',
    });
    const bad = await startBuilt({ ...fake.env({ GRAPH_CLIENT_SECRET: 'wrong-secret-4d1e' }) });
    const answers: string[] = [];
    const get = async (url: string) => {
      const res = await fetch(url);
      const text = await res.text();
      answers.push(text, JSON.stringify([...res.headers]));
      return { status: res.status, body: JSON.parse(text) };
    };
    try {
      const ok = await get(`${good.url}/recommend?source=graph&interests=agents&${WINDOW}`);
      expect(ok.status).toBe(200);
      expect(ok.body.sessions).toHaveLength(3);
      expect((await get(`${good.url}/health`)).status).toBe(200);
      fake.revokeTokens(); // expired: refreshed once, transparently
      expect(
        (await get(`${good.url}/recommend?source=graph&interests=agents&${WINDOW}`)).status,
      ).toBe(200);
      fake.fail('calendar', { status: 503, retryAfter: '1' });
      expect(
        (await get(`${good.url}/recommend?source=graph&interests=agents&${WINDOW}`)).status,
      ).toBe(200);

      const rejected = await get(`${bad.url}/recommend?source=graph&interests=agents&${WINDOW}`);
      expect(rejected.status).toBe(502);
      const health = await get(`${bad.url}/health`);
      expect(health).toMatchObject({
        status: 503,
        body: { errors: ['Graph API authentication failed'] },
      });
    } finally {
      await Promise.all([good.stop(), bad.stop()]);
    }

    const files = [good, bad].flatMap((server) => [
      readFileSync(path.join(server.dir, 'agent.log'), 'utf8'),
      readFileSync(path.join(server.dir, 'telemetry.jsonl'), 'utf8'),
      server.stderr(),
    ]);
    const goodLog = files[0] as string;
    expect(goodLog).toMatch(
      / - event_agent\.graph\[[^\]]+\] - WARNING - Graph API rate limit, retrying/,
    );
    const badTelemetry = (files[4] as string)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(badTelemetry).toEqual([
      expect.objectContaining({
        success: false,
        payload: expect.objectContaining({ source: 'graph' }),
      }),
    ]);
    expect(fake.issuedTokens.length).toBeGreaterThanOrEqual(2);
    const everything = [...files, ...answers].join('\n');
    for (const secret of [fake.clientSecret, 'wrong-secret-4d1e', ...fake.issuedTokens]) {
      expect(everything).not.toContain(secret);
    }
  });
});

describe("built server: the Python agent's /recommend-graph and the Graph cache", () => {
  it('serves a burst of /recommend-graph from one Graph read and echoes X-Correlation-ID', async () => {
    const server = await startBuilt({ ...fake.env() });
    const id = '5a4c3307-e1d3-49a8-a2d0-380669ae1bed';
    try {
      const answers = await Promise.all(
        Array.from({ length: 8 }, () =>
          fetch(`${server.url}/recommend-graph?interests=agents&card=1&${WINDOW}`, {
            headers: { 'X-Correlation-ID': id },
          }),
        ),
      );
      for (const res of answers) {
        expect(res.status).toBe(200);
        expect(res.headers.get('x-correlation-id')).toBe(id);
        expect((await json(res)).adaptiveCard).toMatchObject({ type: 'AdaptiveCard' });
      }
    } finally {
      await server.stop();
    }
    expect(fake.requests.filter((r) => r.route === 'calendar')).toHaveLength(1);
    const lines = readFileSync(path.join(server.dir, 'telemetry.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(8);
    expect(new Set(lines.map((l) => l.action))).toEqual(new Set(['recommend']));
    expect(lines.map((l) => l.payload.graph_cache).sort()).toEqual([
      ...Array(7).fill('hit'),
      'miss',
    ]);
    expect(new Set(lines.map((l) => l.trace_id))).toEqual(new Set([id.replaceAll('-', '')]));
  });
});

describe('built server start-up with a partial Graph configuration', () => {
  it('exits 2 naming the missing variables, without echoing the secret', async () => {
    const dir = tempDir('eventkit-graph-config-');
    const run = await runBuilt(
      [],
      baseEnv(dir, { GRAPH_CLIENT_ID: 'client', GRAPH_CLIENT_SECRET: 'lonely-secret-5e2a' }),
      dir,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('GRAPH_TENANT_ID missing');
    expect(run.stderr).not.toContain('lonely-secret-5e2a');
  });
});
