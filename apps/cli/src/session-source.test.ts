import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFakeGraphServer, type FakeGraphServer } from '@eventkit/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PYTHON_MANIFEST, runCli } from './test-support/run-cli.js';

let fake: FakeGraphServer;
let dir: string;

beforeEach(async () => {
  fake = await createFakeGraphServer({
    calendars: {
      'ada@contoso.test': [
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
          start: '2026-03-15T11:00:00Z',
          end: '2026-03-15T11:45:00Z',
          categories: ['AI Safety'],
          location: 'Room 2',
        },
      ],
      'grace@contoso.test': [],
    },
  });
  dir = await mkdtemp(path.join(tmpdir(), 'eventkit-cli-graph-'));
});
afterEach(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

const WINDOW = ['--start', '2026-03-15', '--end', '2026-03-16'];
const recommend = (extra: string[], env: Record<string, string>) =>
  runCli(
    ['recommend', '--manifest', PYTHON_MANIFEST, '--source', 'graph', '-i', 'agents', ...extra],
    {
      cwd: dir,
      env,
    },
  );

async function telemetry() {
  const text = await readFile(path.join(dir, 'telemetry.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('eventkit recommend --source graph (built binary, fake Graph on 127.0.0.1)', () => {
  it('recommends from the GRAPH_USER_ID calendar in the --start/--end window', async () => {
    const run = await recommend([...WINDOW, '--json'], fake.env());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout);
    expect(body.source).toBe('graph');
    expect(body.sessions.map((s: { id: string }) => s.id)).toEqual(['g1', 'g2']);
    expect(body.sessions[0]).toMatchObject({ start: '2026-03-15T09:00:00Z', tags: ['agents'] });
    const [calendar] = fake.requests.filter((r) => r.route === 'calendar');
    expect(calendar?.query).toMatchObject({
      startDateTime: '2026-03-15T00:00:00.000Z',
      endDateTime: '2026-03-16T00:00:00.000Z',
    });
    expect(await telemetry()).toEqual([
      expect.objectContaining({
        action: 'recommend',
        success: true,
        payload: expect.objectContaining({ source: 'graph' }),
      }),
    ]);
  });

  it('reads the calendar of --user and prints the text report', async () => {
    const run = await recommend([...WINDOW, '--user', 'grace@contoso.test'], fake.env());
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Top 0 sessions for: agents');
    expect(fake.requests.at(-1)?.path).toBe('/v1.0/users/grace%40contoso.test/calendarView');
  });

  it('retries a throttled Graph with a WARNING on stderr', async () => {
    fake.fail('calendar', { status: 429, retryAfter: '0' });
    const run = await recommend([...WINDOW, '--json'], fake.env());
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^eventkit: WARNING: Graph API rate limit, retrying/);
  });

  it('exits 3 with a clear message and a failed telemetry line when the secret is rejected', async () => {
    const run = await recommend(WINDOW, fake.env({ GRAPH_CLIENT_SECRET: 'wrong-secret-91bc' }));
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('Graph authentication failed');
    expect(run.stderr).toContain('GRAPH_CLIENT_SECRET');
    expect(await telemetry()).toEqual([
      expect.objectContaining({
        success: false,
        error: expect.stringMatching(/^upstream_auth_failed$/i),
        payload: expect.objectContaining({ source: 'graph' }),
      }),
    ]);
  });

  it.each([
    [{}, 'source=graph is not available'],
    [{ GRAPH_TENANT_ID: 't', GRAPH_CLIENT_ID: 'c' }, 'GRAPH_CLIENT_SECRET missing'],
  ])('exits 2 when Graph is not configured %#', async (env, message) => {
    const run = await recommend(WINDOW, env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('exits 2 for a window it cannot read', async () => {
    const run = await recommend(['--start', 'next week'], fake.env());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('start must be an ISO date');
  });

  it('never prints or records the client secret or an access token', async () => {
    const outputs: string[] = [];
    for (const [args, env] of [
      [[...WINDOW, '--json'], fake.env()],
      [WINDOW, fake.env({ GRAPH_CLIENT_SECRET: 'wrong-secret-91bc' })],
    ] as const) {
      const run = await recommend([...args], env);
      outputs.push(run.stdout, run.stderr);
    }
    fake.revokeTokens(); // the fake echoes rejected tokens in its 401 bodies
    fake.fail('calendar', { status: 401 });
    const refreshed = await recommend([...WINDOW, '--json'], fake.env());
    expect(refreshed.code).toBe(0);
    outputs.push(refreshed.stdout, refreshed.stderr);
    outputs.push(await readFile(path.join(dir, 'telemetry.jsonl'), 'utf8'));
    const everything = outputs.join('\n');
    expect(fake.issuedTokens.length).toBeGreaterThanOrEqual(2);
    for (const secret of [fake.clientSecret, 'wrong-secret-91bc', ...fake.issuedTokens]) {
      expect(everything).not.toContain(secret);
    }
  });
});
