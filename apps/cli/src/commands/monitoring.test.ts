import { chmod, mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { TelemetryEvent } from '@eventkit/core/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDir, makeEvents, runCli, sh, writeEvents } from '../test-support/run-cli.js';

let dir: string;
let cleanup: () => Promise<void>;
let server: Server;
let baseUrl: string;
let healthAnswer: { status: number; body: unknown } = { status: 200, body: {} };
/** When set, /health answers these in turn (the last one repeats). */
let healthSequence: { status: number; body: unknown }[] = [];
const received: { url: string; body: string }[] = [];

/** Events ending `agoSeconds` before now, one a second. */
function recentEvents(count: number, agoSeconds: number, seed: number): TelemetryEvent[] {
  return makeEvents(count, Date.now() / 1000 - agoSeconds - count, 1, seed);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => resolve(body));
  });
}

beforeAll(async () => {
  ({ dir, cleanup } = await createTempDir());
  // 2 hours ago: outside a 1h window; the last 100 requests hold the recent ones.
  const old = recentEvents(400, 7200, 31);
  const recent = recentEvents(600, 60, 32);
  await writeEvents(path.join(dir, 'telemetry.jsonl'), [...old, ...recent]);
  const failing = recentEvents(100, 30, 33).map((event, i) => ({ ...event, success: i % 4 !== 0 }));
  await writeEvents(path.join(dir, 'failing.jsonl'), failing);
  server = createServer((request, response) => {
    void readBody(request).then((body) => {
      received.push({ url: request.url ?? '', body });
      if (request.url === '/health') {
        if (healthSequence.length > 0)
          healthAnswer =
            healthSequence.length > 1
              ? (healthSequence.shift() ?? healthAnswer)
              : (healthSequence[0] ?? healthAnswer);
        response.writeHead(healthAnswer.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(healthAnswer.body));
      } else {
        response.writeHead(204).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await cleanup();
});

describe('eventkit metrics', () => {
  it("reports the seed's calculate_metrics fields for the window, counted as jq counts", async () => {
    const run = await runCli(['metrics', '--window', '1h', '--json'], { cwd: dir });
    expect(run.code).toBe(0);
    const metrics = JSON.parse(run.stdout);
    const cutoff = Date.now() / 1000 - 3600;
    const jqTotal = Number(
      (await sh(`jq -c 'select(.ts >= ${cutoff})' telemetry.jsonl | wc -l`, dir)).trim(),
    );
    const jqFailures = Number(
      (
        await sh(
          `jq -c 'select(.ts >= ${cutoff} and .success == false)' telemetry.jsonl | wc -l`,
          dir,
        )
      ).trim(),
    );
    expect(jqTotal).toBe(600);
    expect(metrics).toMatchObject({ window_hours: 1, total_requests: jqTotal });
    expect(metrics.error_rate).toBeCloseTo((jqFailures / jqTotal) * 100, 9);
    expect(metrics.requests_per_second).toBeCloseTo(jqTotal / 3600, 9);
    expect(Object.keys(metrics).sort()).toEqual(
      [
        'window_hours',
        'total_requests',
        'success_rate',
        'error_rate',
        'latency_p50',
        'latency_p95',
        'latency_p99',
        'requests_per_second',
        'approximate',
        'malformed_lines',
        'first_malformed',
      ].sort(),
    );
  });

  it('prints a readable table by default', async () => {
    const run = await runCli(['metrics', '--window', '24h'], { cwd: dir });
    expect(run.stdout).toContain('=== Metrics (last 24h) ===');
    expect(run.stdout).toContain('Total requests: 1,000');
  });

  it.each([['metrics'], ['slo']])(
    '%s skips malformed lines as the seed does, but says so on stderr, JSON untouched',
    async (command) => {
      const file = path.join(dir, 'damaged.jsonl');
      const good = (await readFile(path.join(dir, 'telemetry.jsonl'), 'utf8')).split('\n');
      await writeFile(file, [good.at(-2), '{"ts": oops', 'not json', ''].join('\n'));
      const run = await runCli([command, '--json', file], { cwd: dir });
      expect(JSON.parse(run.stdout)).toMatchObject(
        command === 'metrics' ? { total_requests: 1, malformed_lines: 2 } : {},
      );
      expect(run.stderr).toBe(
        'eventkit: skipped 2 malformed lines (first at damaged.jsonl:2: invalid JSON)\n',
      );
    },
  );
});

describe('eventkit slo', () => {
  it('exits 1 and marks FAIL when a default target is breached', async () => {
    const run = await runCli(['slo', '--window', '1h'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Success Rate\s+>99%\s+\S+\s+FAIL/);
  });

  it('colours PASS/FAIL only when colour is on, and never with NO_COLOR', async () => {
    const coloured = await runCli(['slo', '--window', '1h'], {
      cwd: dir,
      env: { NO_COLOR: undefined, FORCE_COLOR: '1' },
    });
    expect(coloured.stdout).toContain('\x1b[31mFAIL');
    const plain = await runCli(['slo', '--window', '1h'], {
      cwd: dir,
      env: { NO_COLOR: '1', FORCE_COLOR: '1' },
    });
    expect(plain.stdout).not.toContain('\x1b[');
  });

  it('exits 0 when every target in --targets is met', async () => {
    await writeFile(
      path.join(dir, 'slo.json'),
      JSON.stringify({ success_rate_min: 50, latency_p99_max_ms: 1000 }),
    );
    const run = await runCli(['slo', '--window', '1h', '--targets', 'slo.json', '--json'], {
      cwd: dir,
    });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.ok).toBe(true);
    expect(result.checks.map((check: { name: string }) => check.name)).toEqual([
      'success_rate_min',
      'latency_p99_max_ms',
    ]);
  });

  it.each([
    ['missing.json', 'missing.json: cannot read it'],
    ['bad-targets.json', 'uptime'],
  ])('exits 3 for the unusable targets file %s', async (file, message) => {
    await writeFile(path.join(dir, 'bad-targets.json'), JSON.stringify({ uptime: 99.9 }));
    const run = await runCli(['slo', '--targets', file], { cwd: dir });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(message);
  });
});

describe('eventkit alert', () => {
  it("alerts like the seed's alert_on_errors.sh: more than N failures in the last 100", async () => {
    const lastHundredFailures = Number(
      (
        await sh("tail -n 100 failing.jsonl | jq -c 'select(.success == false)' | wc -l", dir)
      ).trim(),
    );
    expect(lastHundredFailures).toBe(25);
    const tripped = await runCli(['alert', 'failing.jsonl', '--max-failures', '24'], { cwd: dir });
    expect(tripped.code).toBe(1);
    expect(tripped.stdout).toContain('ALERT 25 failures in the last 100 requests');
    const calm = await runCli(['alert', 'failing.jsonl', '--max-failures', '25', '--quiet'], {
      cwd: dir,
    });
    expect(calm.code).toBe(0);
    expect(calm.stdout).toBe('');
  });

  it('checks --error-rate and --p95-over over --window', async () => {
    const run = await runCli(
      [
        'alert',
        'failing.jsonl',
        '--error-rate',
        '20%',
        '--window',
        '10m',
        '--p95-over',
        '100000',
        '--json',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.checks).toEqual([
      expect.objectContaining({ name: 'error_rate', alerting: true, value: 25, threshold: 20 }),
      expect.objectContaining({ name: 'p95_latency', alerting: false, threshold: 100000 }),
    ]);
  });

  it('skips archives last modified before the window without reading them', async () => {
    const sub = path.join(dir, 'skip');
    await mkdir(sub);
    await writeEvents(path.join(sub, 'telemetry.jsonl'), recentEvents(50, 10, 34));
    // Last modified 40 days ago, so no 5m window can need it; its contents would show if read.
    const archive = path.join(sub, 'telemetry.jsonl.20240101-000000-000');
    const failures = recentEvents(20, 10, 35).map((event) => ({ ...event, success: false }));
    await writeEvents(archive, failures, 'a malformed line\n');
    const longAgo = new Date(Date.now() - 40 * 86_400_000);
    await utimes(archive, longAgo, longAgo);
    const alert = await runCli(['alert', '--error-rate', '50%', '--window', '5m', '--json'], {
      cwd: sub,
    });
    expect(alert.code).toBe(0);
    expect(JSON.parse(alert.stdout).checks[0].message).toContain('(50 requests');
    const recent = await runCli(['errors', '--since', '1h'], { cwd: sub });
    expect(recent.stderr).toBe('');
    expect(recent.stdout).not.toContain(failures[0]?.trace_id);
    const everything = await runCli(['errors'], { cwd: sub });
    expect(everything.stdout).toContain(failures[0]?.trace_id);
    expect(everything.stderr).toContain('first at telemetry.jsonl.20240101-000000-000:21');
  });

  it('posts the alert as JSON to --webhook (and only when alerting)', async () => {
    received.length = 0;
    const run = await runCli(
      ['alert', 'failing.jsonl', '--max-failures', '10', '--webhook', `${baseUrl}/hook`],
      {
        cwd: dir,
      },
    );
    expect(run.code).toBe(1);
    expect(received).toHaveLength(1);
    expect(received[0]?.url).toBe('/hook');
    const payload = JSON.parse(received[0]?.body ?? '{}');
    expect(payload).toMatchObject({
      alerting: true,
      checks: [{ name: 'failures', value: 25, threshold: 10 }],
    });
    received.length = 0;
    await runCli(
      ['alert', 'failing.jsonl', '--max-failures', '50', '--webhook', `${baseUrl}/hook`],
      { cwd: dir },
    );
    expect(received).toHaveLength(0);
  });

  it('mails through sendmail for --mail-to', async () => {
    const fake = path.join(dir, 'sendmail');
    const outbox = path.join(dir, 'outbox.txt');
    await writeFile(fake, `#!/bin/sh\necho "args: $*" > ${outbox}\ncat >> ${outbox}\n`);
    await chmod(fake, 0o755);
    const run = await runCli(['alert', 'failing.jsonl', '--mail-to', 'admin@example.com'], {
      cwd: dir,
      env: { EVENTKIT_SENDMAIL: fake },
    });
    expect(run.code).toBe(1);
    const mail = await readFile(outbox, 'utf8');
    expect(mail).toContain('args: -t -i');
    expect(mail).toContain('To: admin@example.com');
    expect(mail).toContain('Subject: [ALERT] Event Agent Errors');
    expect(mail).toContain('25 failures in the last 100 requests');
  });
});

describe('eventkit health', () => {
  it('exits 0 for a healthy service', async () => {
    healthAnswer = {
      status: 200,
      body: { status: 'healthy', timestamp: 'x', version: '1.0.0', uptime_seconds: 86400 },
    };
    const run = await runCli(['health', '--url', baseUrl], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`healthy ${baseUrl}/health (version 1.0.0, up 1d 0h 0m)\n`);
  });

  it('exits 1 and runs --on-fail with the alert text for an unhealthy service', async () => {
    healthAnswer = {
      status: 503,
      body: { status: 'unhealthy', timestamp: 'x', errors: ['Cannot load manifest'] },
    };
    const alertFile = path.join(dir, 'health-alert.txt');
    const run = await runCli(['health', '--url', baseUrl, '--on-fail', `cat > ${alertFile}`], {
      cwd: dir,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('unhealthy');
    expect(run.stdout).toContain('Cannot load manifest');
    expect(await readFile(alertFile, 'utf8')).toContain(
      '[ALERT] Service unhealthy: {"status":"unhealthy"',
    );
  });

  it('--watch runs --on-fail once per outage, not on every failed check', async () => {
    const healthy = {
      status: 200,
      body: { status: 'healthy', timestamp: 'x', version: '1.0.0', uptime_seconds: 5 },
    };
    const sick = {
      status: 503,
      body: { status: 'unhealthy', timestamp: 'x', errors: ['Graph API authentication failed'] },
    };
    healthSequence = [healthy, sick, sick, healthy];
    const log = path.join(dir, 'outages.txt');
    const run = await runCli(
      [
        'health',
        '--url',
        baseUrl,
        '--watch',
        '--interval',
        '1',
        '--count',
        '4',
        '--on-fail',
        `cat >> ${log}`,
      ],
      { cwd: dir },
    );
    healthSequence = [];
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(' ')[1]),
    ).toEqual(['healthy', 'unhealthy', 'unhealthy', 'healthy']);
    expect(run.stderr).toContain('recovered');
    expect(run.code).toBe(0);
    const alerts = (await readFile(log, 'utf8')).trim().split('\n');
    expect(alerts).toEqual([
      expect.stringContaining('[ALERT] Service unhealthy: {"status":"unhealthy"'),
    ]);
  });

  it('exits 1 when nothing listens, and --watch --count stops by itself', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const run = await runCli(
      ['health', '--url', `http://127.0.0.1:${port}`, '--watch', '--count', '2', '--interval', '1'],
      {
        cwd: dir,
      },
    );
    expect(run.code).toBe(1);
    expect(run.stdout.trim().split('\n')).toHaveLength(2);
    expect(run.stdout).toContain('DOWN');
    expect(run.stdout).toContain('connection refused');
  });
});
