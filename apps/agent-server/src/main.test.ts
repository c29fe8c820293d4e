import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { type IncomingHttpHeaders, request } from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { SAMPLE_MANIFEST_PATH } from '@eventkit/core/manifest';
import { describe, expect, it } from 'vitest';
import { baseEnv, runBuilt, startBuilt } from './test-support/built-server.js';
import { tempDir } from './test-support/temp-dir.js';
import { json } from './test-support/test-deps.js';

const telemetryLines = (dir: string) =>
  readFileSync(path.join(dir, 'telemetry.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

describe('event-agent-server (built, over a real socket)', () => {
  it('serves /recommend on the bundled sample event and records it on shutdown', async () => {
    const server = await startBuilt();
    const res = await fetch(`${server.url}/recommend?interests=agents,ai%20safety&top=5`);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.sessions).toHaveLength(5);
    expect(body.source).toBe('manifest');
    const traceId = res.headers.get('x-trace-id');
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(telemetryLines(server.dir)).toEqual([
      expect.objectContaining({ action: 'recommend', success: true, trace_id: traceId }),
    ]);
    const log = readFileSync(path.join(server.dir, 'agent.log'), 'utf8');
    expect(log).toContain(`[${traceId}] Request started: recommend`);
    expect(log).toMatch(/ - INFO - Shutdown complete: 1 telemetry lines written, 0 dropped\n$/);
    // The console stream (stderr) carries the same lines as the file.
    expect(server.stderr()).toBe(log);
  });

  it('sends every answer its CORS and trace headers, each once', async () => {
    const server = await startBuilt();
    const wireHeaders = (method: string, target: string, headers: Record<string, string> = {}) =>
      new Promise<{
        method: string;
        status: number;
        names: string[];
        headers: IncomingHttpHeaders;
      }>((resolve, reject) => {
        const req = request(`${server.url}${target}`, { method, headers }, (res) => {
          res.resume();
          res.on('end', () =>
            resolve({
              method,
              status: res.statusCode ?? 0,
              names: res.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase()),
              headers: res.headers,
            }),
          );
        });
        req.on('error', reject);
        req.end();
      });
    const answers = [
      await wireHeaders('GET', '/recommend?interests=agents&top=3'),
      await wireHeaders('HEAD', '/recommend?interests=agents&top=3'),
      await wireHeaders('GET', '/recommend?interests=&top=3'),
      await wireHeaders('GET', '/no-such-route'),
      await wireHeaders('OPTIONS', '/recommend', { 'Access-Control-Request-Method': 'GET' }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 400, 404, 204]);
    for (const { method, names, headers, status } of answers) {
      expect(new Set(names).size).toBe(names.length);
      expect(headers['access-control-allow-origin']).toBe('*');
      expect(headers['access-control-expose-headers']).toContain('X-Trace-Id');
      if (status === 204) continue;
      expect(headers['x-trace-id']).toMatch(/^[0-9a-f]{32}$/);
      expect(headers.traceparent).toContain(headers['x-trace-id']);
      expect(headers['content-type']).toBe('application/json');
      if (method === 'GET') expect(Number(headers['content-length'])).toBeGreaterThan(0);
    }
  });

  it('answers /health with the DESIGN.md shape', async () => {
    const server = await startBuilt();
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(Object.keys(body)).toEqual(['status', 'timestamp', 'version', 'uptime_seconds']);
    expect(body).toMatchObject({ status: 'healthy', version: '1.0.0' });
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('reports "Cannot load manifest" with 503 once agent.json breaks', async () => {
    const manifest = path.join(tempDir(), 'agent.json');
    writeFileSync(manifest, readFileSync(SAMPLE_MANIFEST_PATH));
    const own = await startBuilt({ EVENTKIT_MANIFEST: manifest });
    writeFileSync(manifest, '{"sessions": [');
    const res = await fetch(`${own.url}/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: 'unhealthy',
      errors: ['Cannot load manifest'],
    });
  });

  it('answers 500 without internals when the external sessions file breaks, and logs an ERROR the seed can count', async () => {
    const dir = tempDir();
    const manifest = JSON.parse(readFileSync(SAMPLE_MANIFEST_PATH, 'utf8'));
    manifest.features.externalSessions = { enabled: true, file: 'sessions_external.json' };
    writeFileSync(path.join(dir, 'agent.json'), JSON.stringify(manifest));
    writeFileSync(path.join(dir, 'sessions_external.json'), '{"sessions": [');
    const server = await startBuilt({ EVENTKIT_MANIFEST: path.join(dir, 'agent.json') }, [], dir);
    const res = await fetch(`${server.url}/recommend?interests=agents`);
    expect(res.status).toBe(500);
    const body = await res.text();
    const traceId = res.headers.get('x-trace-id');
    expect(body).toContain(`trace ${traceId}`);
    expect(body).not.toContain('sessions_external.json');
    expect(await server.stop('SIGTERM')).toBe(0);
    const log = path.join(dir, 'agent.log');
    const counted = execFileSync(
      'sh',
      ['-c', `grep ERROR "$1" | awk -F ' - ' '{print $NF}' | sort | uniq -c | sort -rn`, 'sh', log],
      { encoding: 'utf8' },
    );
    // Counted by reason: the part after the last " - " is the message, not the trace id.
    expect(counted.trim()).toMatch(/^1 \/.*sessions_external\.json:1:\d+: invalid JSON/);
    expect(readFileSync(log, 'utf8')).toContain(`[${traceId}] Request failed: recommend 500`);
    expect(telemetryLines(dir)).toEqual([
      expect.objectContaining({ action: 'recommend', success: false, trace_id: traceId }),
    ]);
  });

  it('prints --help and exits 0', async () => {
    const { code, stdout } = await runBuilt(['--help'], baseEnv('/tmp'), '/tmp');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: event-agent-server/);
    expect(stdout).toMatch(/^ {2}TRUST_PROXY +proxies whose X-Forwarded-For is believed/m);
  });

  it('refuses a bad manifest with one line naming the field and exit code 3', async () => {
    const dir = tempDir();
    const manifest = JSON.parse(readFileSync(SAMPLE_MANIFEST_PATH, 'utf8'));
    manifest.sessions[3].popularity = 1.5;
    const file = path.join(dir, 'bad-agent.json');
    writeFileSync(file, JSON.stringify(manifest));
    const { code, stderr } = await runBuilt(['--manifest', file], baseEnv(dir), dir);
    expect(code).toBe(3);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      / - CRITICAL - Cannot load manifest: .*sessions\[3\]\.popularity must be between 0 and 1/,
    );
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    [{ LOG_LEVEL: 'chatty' }, [], 'LOG_LEVEL "chatty" is not one of'],
    [{ PORT: 'eighty' }, [], 'PORT must be a whole number from 0 to 65535'],
    [{ OTEL_TRACES_EXPORTER: 'zipkin' }, [], 'OTEL_TRACES_EXPORTER must be none, console or otlp'],
    [{}, ['--bogus'], "Unknown option '--bogus'"],
    [{ TRUST_PROXY: 'loopback,nginx' }, [], 'TRUST_PROXY: entry "nginx" is not an IP address'],
    [{}, ['--workers', '0'], '--workers must be auto or a whole number from 1 to 1024 (got "0")'],
    [{}, ['--workers=-1'], '--workers must be auto or a whole number'],
    [{ WEB_CONCURRENCY: 'abc' }, [], 'WEB_CONCURRENCY must be auto or a whole number'],
    [{ EVENTKIT_INSTANCE: 'web 1' }, [], 'EVENTKIT_INSTANCE must be 1-190 letters'],
  ])('refuses bad settings %j %j with one line and exit code 2', async (env, args, message) => {
    const { code, stderr } = await runBuilt(args, baseEnv('/tmp', env), '/tmp');
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(message);
  });

  it('says "Cannot start server, port in use" and exits 1 when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, stderr } = await runBuilt(
        [],
        baseEnv('/tmp', { PORT: String(port), LOG_FILE: '' }),
        '/tmp',
      );
      expect(code).toBe(1);
      expect(stderr).toContain(`CRITICAL - Cannot start server, port in use: 127.0.0.1:${port}`);
    } finally {
      blocker.close();
    }
  });

  it('requires the bearer token when API_TOKEN is set, except on /health', async () => {
    const server = await startBuilt({ API_TOKEN: 'tok-123' });
    expect((await fetch(`${server.url}/recommend?interests=agents`)).status).toBe(401);
    const ok = await fetch(`${server.url}/recommend?interests=agents`, {
      headers: { Authorization: 'Bearer tok-123' },
    });
    expect(ok.status).toBe(200);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('limits a client per RATE_LIMIT_PER_MINUTE with 429 and Retry-After', async () => {
    const server = await startBuilt({ RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '3' });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${server.url}/recommend?interests=agents`);
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });

  describe('behind a proxy on loopback that sends X-Forwarded-For', () => {
    const limits = { RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '2' };
    const ask = async (url: string, client: string) =>
      (
        await fetch(`${url}/recommend?interests=agents`, {
          headers: { 'X-Forwarded-For': `${client}, 127.0.0.1` },
        })
      ).status;

    it('limits each client apart with TRUST_PROXY=loopback, and logs the client', async () => {
      const server = await startBuilt({ ...limits, TRUST_PROXY: 'loopback' });
      const statuses = [];
      for (const client of ['203.0.113.1', '203.0.113.1', '203.0.113.1', '203.0.113.2'])
        statuses.push(await ask(server.url, client));
      expect(statuses).toEqual([200, 200, 429, 200]);
      expect(await server.stop()).toBe(0);
      const log = readFileSync(path.join(server.dir, 'agent.log'), 'utf8');
      expect(log).toContain('Request started: recommend from 203.0.113.2');
      expect(log).not.toContain('Request started: recommend from 127.0.0.1');
      const actions = telemetryLines(server.dir).map((line) => line.action);
      expect(actions).toEqual(['recommend', 'recommend', 'rate_limited', 'recommend']);
    });

    it('counts every client as the proxy without TRUST_PROXY (the header is ignored)', async () => {
      const server = await startBuilt(limits);
      const statuses = [];
      for (const client of ['203.0.113.1', '203.0.113.2', '203.0.113.3'])
        statuses.push(await ask(server.url, client));
      expect(statuses).toEqual([200, 200, 429]);
      expect(await server.stop()).toBe(0);
      const log = readFileSync(path.join(server.dir, 'agent.log'), 'utf8');
      expect(log).not.toContain('from 203.0.113.');
      expect(log).toContain('Request started: recommend from 127.0.0.1');
    });
  });

  it('reopens its log file on SIGHUP', async () => {
    const server = await startBuilt();
    const log = path.join(server.dir, 'agent.log');
    await fetch(`${server.url}/recommend?interests=before`);
    renameSync(log, `${log}.1`);
    server.proc.kill('SIGHUP');
    await waitFor(() => safeRead(log).includes('Reopened log file (SIGHUP)'));
    await fetch(`${server.url}/recommend?interests=after`);
    expect(await server.stop()).toBe(0);
    expect(safeRead(`${log}.1`)).toContain('Request started: recommend');
    expect(safeRead(log)).toMatch(/Request started: recommend[\s\S]*Shutdown complete/);
  });
});

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

async function waitFor(condition: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}
