import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EXTRA_ACTIONS_CAP, parseTelemetryLine, TELEMETRY_ACTIONS } from '@eventkit/core/telemetry';
import { createFakeGraphServer, type FakeGraphServer } from '@eventkit/core/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { builtBin } from './bins.js';
import { startExporter } from './exporter-process.js';
import { type AgentProcess, startAgent } from './test-support/agent-process.js';
import { clientAnswerProblem } from './test-support/http-checks.js';
import { type RawResponse, rawRequest } from './test-support/raw-http.js';

const LOG_LINE =
  /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} - [^ ]+ - (DEBUG|INFO|WARNING|ERROR|CRITICAL) - /;
const TOKEN = `tok-${randomBytes(16).toString('hex')}`;
/** A credential a client sends by mistake: it must not be written anywhere either. */
const WRONG_TOKEN = `wrong-${randomBytes(16).toString('hex')}`;

let graph: FakeGraphServer;
let agent: AgentProcess;
/** Everything any client was told (status lines, headers, bodies), for the secret scan. */
const answers: RawResponse[] = [];

async function get(
  target: string,
  headers: Array<[string, string]> = [['Authorization', `Bearer ${TOKEN}`]],
) {
  const response = await rawRequest(agent.port, target, headers);
  answers.push(response);
  return response;
}

async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await tree(full)));
    else out.push(full);
  }
  return out.sort();
}

beforeAll(async () => {
  const start = new Date(Date.now() + 3_600_000);
  graph = await createFakeGraphServer({
    calendars: {
      'ada@contoso.test': [
        {
          subject: 'Agents in production',
          start: start.toISOString(),
          end: new Date(start.getTime() + 1_800_000).toISOString(),
          categories: ['agents'],
        },
      ],
    },
  });
  agent = await startAgent({ token: TOKEN, env: { ...graph.env(), LOG_LEVEL: 'DEBUG' } });
});
afterAll(async () => {
  await agent?.stop(); // also removes its temp dir when a test already stopped it
  await graph?.close();
});

describe('security: authentication cannot be bypassed', () => {
  it.each<[string, string, Array<[string, string]>]>([
    ['no Authorization header', '/recommend?interests=agents', []],
    ['a wrong token', '/recommend?interests=agents', [['Authorization', `Bearer ${WRONG_TOKEN}`]]],
    [
      'the token with a suffix',
      '/recommend?interests=agents',
      [['Authorization', `Bearer ${TOKEN}x`]],
    ],
    [
      'a prefix of the token',
      '/recommend?interests=agents',
      [['Authorization', `Bearer ${TOKEN.slice(0, -1)}`]],
    ],
    [
      'the token and extra words',
      '/recommend?interests=agents',
      [['Authorization', `Bearer ${TOKEN} extra`]],
    ],
    [
      'the Basic scheme',
      '/export?interests=agents',
      [['Authorization', `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`]],
    ],
    [
      'the token as a Basic credential',
      '/export?interests=agents',
      [['Authorization', `Basic ${TOKEN}`]],
    ],
    ['the Token scheme', '/explain?session=x', [['Authorization', `Token ${TOKEN}`]]],
    ['the bare token', '/explain?session=x', [['Authorization', TOKEN]]],
    [
      'an upper-cased scheme with a wrong token',
      '/recommend?interests=agents',
      [['Authorization', `BEARER ${WRONG_TOKEN}`]],
    ],
    ['the token in ?access_token=', `/recommend?interests=agents&access_token=${TOKEN}`, []],
    ['the token in ?token=', `/recommend?interests=agents&token=${TOKEN}`, []],
    ['the token in ?api_token=', `/recommend?interests=agents&api_token=${TOKEN}`, []],
    ['the token in X-API-Token', '/recommend?interests=agents', [['X-API-Token', TOKEN]]],
    ['the token in a cookie', '/recommend?interests=agents', [['Cookie', `token=${TOKEN}`]]],
    [
      'a wrong then the right Authorization header',
      '/recommend?interests=agents',
      [
        ['Authorization', `Bearer ${WRONG_TOKEN}`],
        ['Authorization', `Bearer ${TOKEN}`],
      ],
    ],
    ['a path through a health route', '/health/../recommend?interests=agents', []],
    ['an encoded path through a health route', '/health/%2e%2e/recommend?interests=agents', []],
    ['a health route with a suffix', '/healthz/../export?interests=agents', []],
    ['a health prefix', '/health/recommend?interests=agents', []],
    ['a case-changed route', '/RECOMMEND?interests=agents', []],
    ['a double slash', '//recommend?interests=agents', []],
  ])('refuses %s', async (_name, target, headers) => {
    const response = await get(target, headers);
    expect(response.status).not.toBe(200);
    expect([401, 404]).toContain(response.status);
    expect(response.body).not.toContain('"sessions"');
    expect(clientAnswerProblem(response)).toBeUndefined();
  });

  it.each([
    ['Bearer', `Bearer ${TOKEN}`],
    ['bearer (schemes are case-insensitive, RFC 7235)', `bearer ${TOKEN}`],
  ])('accepts the right token with the %s scheme', async (_name, value) => {
    const response = await get('/recommend?interests=agents', [['Authorization', value]]);
    expect(response.status).toBe(200);
  });

  it('leaves the health routes open (they carry no data)', async () => {
    for (const route of ['/health', '/livez', '/readyz']) {
      const response = await get(route, []);
      expect(response.status).toBe(200);
      expect(response.body).not.toContain('"sessions"');
    }
  });
});

describe('security: no path traversal through export or any other argument', () => {
  it('export writes only generated names inside output_dir, whatever the interests say', async () => {
    const before = await tree(agent.dir);
    const attempts = [
      '/export?interests=..%2F..%2F..%2Fetc%2Fpasswd&format=markdown',
      '/export?interests=%2Fetc%2Fpasswd&format=ics',
      '/export?interests=..,..,..&format=markdown',
      '/export?interests=agents&format=..%2F..%2Fevil',
      '/export?interests=agents&format=md%00.sh',
      '/export?interests=agents&format=ics&name=..%2F..%2Fevil.ics',
      '/export?interests=agents&format=ics&file=%2Ftmp%2Fevil.ics',
      '/export?interests=agents&output_dir=%2Ftmp',
    ];
    for (const target of attempts) {
      const response = await get(target);
      expect(clientAnswerProblem(response)).toBeUndefined();
      if (response.status === 200) {
        const saved = response.headers['x-export-file'] ?? '';
        expect(saved).toMatch(/^itinerary-[\w-]+\.(md|ics)$/);
        expect(response.headers['content-disposition']).toMatch(
          /^attachment; filename="itinerary-[\w-]+\.(md|ics)"$/,
        );
      } else {
        expect(response.status).toBe(400);
      }
    }
    const added = (await tree(agent.dir)).filter((file) => !before.includes(file));
    const outside = added.filter(
      (file) =>
        !file.startsWith(`${agent.exportDir}${path.sep}`) &&
        ![agent.telemetryFile, agent.logFile, path.join(agent.dir, 'profiles.json')].includes(file),
    );
    expect(outside).toEqual([]);
    for (const file of added.filter((f) => f.startsWith(agent.exportDir))) {
      expect(path.dirname(file)).toBe(agent.exportDir);
    }
  });

  it.each([
    ['profileSave', '/recommend?interests=agents&profileSave=..%2F..%2Fevil'],
    ['profileLoad', '/recommend?profileLoad=..%2F..%2F..%2Fetc%2Fpasswd'],
    ['profileLoad (absolute)', '/recommend?profileLoad=%2Fetc%2Fpasswd'],
    ['userId (Graph)', '/recommend?interests=agents&source=graph&userId=..%2F..%2Fusers'],
    ['source', '/recommend?interests=agents&source=..%2Fmanifest'],
    ['session', '/explain?session=..%2F..%2F..%2Fetc%2Fpasswd&interests=agents'],
  ])('refuses a path in %s', async (_name, target) => {
    const response = await get(target);
    expect([400, 404]).toContain(response.status);
    expect(response.body).not.toMatch(/root:|\/etc\/passwd:/);
    expect(clientAnswerProblem(response)).toBeUndefined();
  });
});

describe('security: no log injection', () => {
  const forged = '2024-01-01 00:00:00,000 - event_agent - CRITICAL - forged';
  const enc = encodeURIComponent(`x\r\n${forged}`);
  it.each([
    ['interests', `/recommend?interests=${enc}`, []],
    ['session title', `/explain?session=${enc}&interests=agents`, []],
    ['profile name', `/recommend?interests=agents&profileSave=${enc}`, []],
    ['unknown route', `/${enc}`, []],
    ['X-Correlation-ID', '/recommend?interests=agents', [['X-Correlation-ID', `a\u0085${forged}`]]],
    [
      'traceparent',
      '/recommend?interests=agents',
      [['traceparent', `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01\u2028${forged}`]],
    ],
    ['User-Agent', '/recommend?interests=agents', [['User-Agent', `curl\u2028${forged}`]]],
    ['userId', `/recommend?interests=agents&source=graph&userId=${enc}`, []],
  ] as Array<[string, string, Array<[string, string]>]>)(
    'via %s: no line of the log starts with forged text',
    async (_name, target, extra) => {
      const response = await get(target, [['Authorization', `Bearer ${TOKEN}`], ...extra]);
      expect(clientAnswerProblem(response)).toBeUndefined();
      const logged = async () =>
        (await readFile(agent.logFile, 'utf8')).split('\n').filter(Boolean);
      // The logger flushes in the background: wait for this request's last line.
      const done = new RegExp(`\\[${response.headers['x-trace-id']}\\] Request (completed|failed)`);
      await vi.waitFor(async () =>
        expect((await logged()).some((line) => done.test(line))).toBe(true),
      );
      const lines = await logged();
      expect(lines.filter((line) => !LOG_LINE.test(line))).toEqual([]);
      expect(lines.filter((line) => line.startsWith('2024-01-01'))).toEqual([]);
    },
  );
});

describe('security: the exporter bounds the action label (cardinality attack)', () => {
  it('10,000 distinct junk actions (quotes, newlines, unicode) add at most a handful of series', async () => {
    const dir = path.dirname(agent.telemetryFile);
    const file = path.join(dir, 'attack.jsonl');
    const junk = (i: number) =>
      [
        `junk_${i}`,
        `x"} 1e9\nevent_agent_requests_total{action="recommend`,
        `ação-${i}`,
        `${'A'.repeat(150)}${i}`,
        `recommend\u0000${i}`,
      ][i % 5] as string;
    const lines = Array.from({ length: 10_000 }, (_, i) =>
      JSON.stringify({
        ts: 1_795_000_000 + i,
        action: junk(i),
        success: i % 2 === 0,
        latency_ms: 1,
        payload: {},
        error: null,
      }),
    );
    await writeFile(file, `${lines.join('\n')}\n`);
    const exporter = await startExporter(file);
    try {
      const samples = await exporter.waitForLines(10_000);
      const text = await exporter.text();
      const series = [...samples.keys()].filter((key) =>
        key.startsWith('event_agent_requests_total{'),
      );
      expect(series.length).toBeLessThanOrEqual(TELEMETRY_ACTIONS.length + EXTRA_ACTIONS_CAP + 1);
      expect(series.reduce((sum, key) => sum + (samples.get(key) ?? 0), 0)).toBe(10_000);
      // No forged sample: recommend stays at 0, every sample line is well formed.
      expect(samples.get('event_agent_requests_total{action="recommend"}')).toBe(0);
      const bad = text
        .split('\n')
        .filter(
          (l) => l && !l.startsWith('#') && !/^[a-zA-Z_:][\w:]*(\{[^\n]*\})? [-+\w.]+$/.test(l),
        );
      expect(bad).toEqual([]);
      process.stdout.write(`security: 10,000 junk actions → ${series.length} request series\n`);
    } finally {
      expect(await exporter.stop()).toBe(0);
    }
  });
});

describe('security: no secret in any log, telemetry line, metric or error output', () => {
  it('API token, Graph client secret and Graph access tokens appear nowhere', async () => {
    // Exercise the Graph path (token fetch, calendar read, health's auth check) and its failures.
    expect((await get('/recommend?interests=agents&source=graph')).status).toBe(200);
    await get('/health', []);
    graph.fail('token', { status: 401, body: { error: 'invalid_client' } });
    graph.revokeTokens();
    await get('/recommend?interests=agents&source=graph');
    graph.fail('calendar', { status: 500, body: { error: { code: 'InternalServerError' } } });
    await get('/export?interests=agents&source=graph&format=ics');
    await get('/health', []);
    await get(`/recommend?interests=agents&token=${TOKEN}`, []);
    await get('/recommend?interests=agents', [['Authorization', `Bearer ${WRONG_TOKEN}`]]);

    const exporter = await startExporter(agent.telemetryFile, {
      args: ['--health-url', `${agent.url}/health`],
    });
    const metrics = await exporter.text();
    expect(await exporter.stop()).toBe(0);

    agent.child.process.kill('SIGTERM');
    expect(await agent.child.exited).toBe(0);

    const cli = (args: string[]) => {
      const run = spawnSync(process.execPath, [builtBin('@eventkit/cli'), ...args], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      return `${run.stdout}${run.stderr}`;
    };
    const telemetry = await readFile(agent.telemetryFile, 'utf8');
    const outputs: Record<string, string> = {
      log: await readFile(agent.logFile, 'utf8'),
      console: agent.child.stdout() + agent.child.stderr(),
      telemetry,
      metrics,
      responses: answers.map((a) => a.raw).join('\n'),
      'eventkit query': cli(['query', agent.telemetryFile]),
      'eventkit errors': cli(['errors', agent.telemetryFile, '--since', '1h', '--pretty']),
      'eventkit summarize': cli(['summarize', agent.telemetryFile]),
    };
    const secrets: Record<string, string> = {
      API_TOKEN: TOKEN,
      'a client token sent by mistake': WRONG_TOKEN,
      GRAPH_CLIENT_SECRET: graph.clientSecret,
      ...Object.fromEntries(graph.issuedTokens.map((t, i) => [`Graph access token ${i + 1}`, t])),
    };
    expect(graph.issuedTokens.length).toBeGreaterThan(0);
    const leaks: string[] = [];
    for (const [where, text] of Object.entries(outputs)) {
      expect(text.length, `${where} is empty`).toBeGreaterThan(0);
      for (const [what, secret] of Object.entries(secrets)) {
        if (text.includes(secret)) leaks.push(`${what} in ${where}`);
      }
    }
    expect(leaks).toEqual([]);
    // The telemetry written during all of the above is well formed.
    const malformed = telemetry
      .split('\n')
      .filter(Boolean)
      .filter((line) => !parseTelemetryLine(line).ok);
    expect(malformed).toEqual([]);
  });
});
