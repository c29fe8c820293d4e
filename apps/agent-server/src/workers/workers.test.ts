import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import path from 'node:path';
import { SAMPLE_MANIFEST_PATH } from '@eventkit/core/manifest';
import { describe, expect, it } from 'vitest';
import { type BuiltServer, baseEnv, runBuilt, startBuilt } from '../test-support/built-server.js';
import { tempDir } from '../test-support/temp-dir.js';

/** One request on a connection of its own: the primary hands connections to workers in turn. */
function request(
  url: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject);
  });
}

/** Polls `check` until it returns a value, failing after `ms`: for what a test cannot await. */
async function until<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  ms = 15_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const telemetry = (dir: string, name: string) =>
  existsSync(path.join(dir, name))
    ? readFileSync(path.join(dir, name), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { trace_id: string; instance?: string })
    : [];

const servingPid = (server: BuiltServer, id: number, after = 0) =>
  until(`worker ${id} serving`, () => {
    const match = [
      ...server.stderr().matchAll(new RegExp(`Worker ${id} \\(pid (\\d+)\\) is serving`, 'g')),
    ];
    return match.length > after ? Number(match[after]?.[1]) : undefined;
  });

async function startWorkers(extraEnv: Record<string, string> = {}) {
  const server = await startBuilt({ EVENTKIT_INSTANCE: 'web1', ...extraEnv }, ['--workers', '2']);
  const pids = [await servingPid(server, 1), await servingPid(server, 2)];
  return { server, pids };
}

async function recommend(server: BuiltServer, count: number): Promise<string[]> {
  const answers = await Promise.all(
    Array.from({ length: count }, () => request(`${server.url}/recommend?interests=agents&top=3`)),
  );
  expect(answers.map((a) => a.status)).toEqual(Array(count).fill(200));
  return answers.map((a) => String(a.headers['x-trace-id']));
}

describe('event-agent-server --workers 2 (built, real processes)', () => {
  it('serves one port from two workers, each writing its own telemetry file, and exits 0 on SIGTERM with every answered line', async () => {
    const { server } = await startWorkers({ SHUTDOWN_DELAY_MS: '200' });
    const answered = await recommend(server, 40);
    expect(await server.stop('SIGTERM')).toBe(0);

    const w1 = telemetry(server.dir, 'telemetry-w1.jsonl');
    const w2 = telemetry(server.dir, 'telemetry-w2.jsonl');
    expect(w1.length).toBeGreaterThan(0);
    expect(w2.length).toBeGreaterThan(0);
    expect(new Set(w1.map((e) => e.instance))).toEqual(new Set(['web1-w1']));
    expect(new Set(w2.map((e) => e.instance))).toEqual(new Set(['web1-w2']));
    expect([...w1, ...w2].map((e) => e.trace_id).sort()).toEqual([...answered].sort());
    expect(existsSync(path.join(server.dir, 'telemetry.jsonl'))).toBe(false);

    const log = readFileSync(path.join(server.dir, 'agent.log'), 'utf8').trim().split('\n');
    expect(
      log.filter((line) => !/^\S+ \S+ - event_agent\[web1(-w[12])?\] - [A-Z]+ - /.test(line)),
    ).toEqual([]);
    expect(
      log.filter((line) => line.includes('[web1-w1] - INFO - Shutdown complete')),
    ).toHaveLength(1);
    expect(
      log.filter((line) => line.includes('[web1-w2] - INFO - Shutdown complete')),
    ).toHaveLength(1);
    expect(log.at(-1)).toMatch(
      /\[web1\] - INFO - All workers stopped; exiting with 0 \(worker restarts: 0\)$/,
    );
  });

  it('replaces a worker killed with SIGKILL under its number and file, and counts it in /health', async () => {
    const { server, pids } = await startWorkers();
    await recommend(server, 10);
    process.kill(pids[1] as number, 'SIGKILL');
    const replacement = await servingPid(server, 2, 1);
    expect(replacement).not.toBe(pids[1]);
    // Soon after its start, so after the first step of the backoff.
    expect(server.stderr()).toMatch(
      new RegExp(
        `Worker 2 \\(pid ${pids[1]}\\) was killed by SIGKILL; restarting it in 100 ms \\(worker restarts: 1\\)`,
      ),
    );
    // Both workers, the survivor and the replacement, report the restart.
    const seen = new Map<string, number>();
    await until('both workers in /health', async () => {
      const health = JSON.parse((await request(`${server.url}/health`)).body);
      seen.set(health.instance, health.worker_restarts);
      return seen.size === 2 ? true : undefined;
    });
    expect(Object.fromEntries(seen)).toEqual({ 'web1-w1': 1, 'web1-w2': 1 });

    const after = await recommend(server, 10);
    expect(await server.stop('SIGTERM')).toBe(0);
    const w2 = telemetry(server.dir, 'telemetry-w2.jsonl').map((e) => e.trace_id);
    const w1 = telemetry(server.dir, 'telemetry-w1.jsonl').map((e) => e.trace_id);
    // The replacement appended to worker 2's file.
    expect(after.some((id) => w2.includes(id))).toBe(true);
    for (const id of after) expect([...w1, ...w2]).toContain(id);
  });

  it('passes SIGHUP on: the primary and each worker reopen the log file', async () => {
    const { server } = await startWorkers();
    const log = path.join(server.dir, 'agent.log');
    renameSync(log, `${log}.1`);
    server.proc.kill('SIGHUP');
    const reopened = await until('three reopened logs', () => {
      const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
      const who = [...text.matchAll(/event_agent\[(web1(?:-w\d)?)\] - INFO - Reopened log file/g)];
      return who.length === 3 ? who.map((m) => m[1]).sort() : undefined;
    });
    expect(reopened).toEqual(['web1', 'web1-w1', 'web1-w2']);
    expect(await server.stop('SIGTERM')).toBe(0);
  });

  it('exits 3 with the one line of a bad manifest, as a single agent does', async () => {
    const dir = tempDir();
    const manifest = JSON.parse(readFileSync(SAMPLE_MANIFEST_PATH, 'utf8'));
    manifest.sessions[3].popularity = 1.5;
    const file = path.join(dir, 'bad-agent.json');
    writeFileSync(file, JSON.stringify(manifest));
    const { code, stderr } = await runBuilt(
      ['--workers', '2', '--manifest', file],
      baseEnv(dir),
      dir,
    );
    expect(code).toBe(3);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ - CRITICAL - Cannot load manifest: .*sessions\[3\]\.popularity/);
  });
});
