import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createTelemetryWriter, type TelemetryWriter } from '@eventkit/core';
import { LATENCY_BUCKETS_SECONDS } from '@eventkit/core/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardExpressions, deployPath, readDeployFile } from './test-support/deploy-files.js';
import { type ExporterProcess, startExporter, waitFor } from './test-support/exporter-process.js';
import { tempDir } from './test-support/telemetry-files.js';

// The real Prometheus (Debian's package) scraping the built exporter every second, with the
// repo's alert rules loaded: the counters must match what was written, and every dashboard and
// rule expression must parse and return data.

const RULES = deployPath('prometheus/alert_rules.yml');

/**
 * Alerts this scenario cannot drive (the exporter is up and probes the agent; the disk is not
 * full; no telemetry is lost): the series they compare must exist.
 */
const QUIET_ALERTS: Record<string, string> = {
  EventAgentExporterDown: 'up{job="event-agent"} == 1',
  EventAgentHealthProbeMissing: 'event_agent_health_up',
  DiskAlmostFull: 'event_agent_telemetry_disk_free_ratio',
  // The agent writes no gap record here, so nothing is dropped.
  TelemetryDropped: 'event_agent_telemetry_dropped_total',
};

let dir: string;
let cleanup: () => void;
let prometheus: ChildProcess;
let prometheusExited: Promise<unknown>;
let exporter: ExporterProcess;
let agentHealth: Server;
let base: string;
let written = 0;
let writer: TelemetryWriter;
/** What was written under each trace id, to check the exemplars against. */
const lines = new Map<string, { latencyMs: number; success: boolean; action: string }>();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface QueryResult {
  status: string;
  error?: string;
  data?: {
    resultType: string;
    result: Array<{ metric: Record<string, string>; value: [number, string] }>;
  };
}

async function query(expr: string): Promise<QueryResult> {
  const response = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return (await response.json()) as QueryResult;
}

const scalar = async (expr: string) =>
  Number((await query(expr)).data?.result[0]?.value[1] ?? Number.NaN);

/** A burst of traffic the alerts should notice: 20% failures, ~200 ms latencies, failed auth. */
function writeBurst(size: number): void {
  for (let i = 0; i < size; i++) {
    const n = written++;
    const action =
      n % 10 === 9 ? 'unauthorized' : (['recommend', 'explain', 'export'] as const)[n % 3];
    const event = {
      ts: Date.now() / 1000,
      action: action ?? 'recommend',
      success: action !== 'unauthorized' && n % 5 !== 0,
      // Spread over three buckets, so each holds exemplars of its own.
      latency_ms: [20, 150 + (n % 100), 700][n % 3] as number,
      payload: { top: 3 },
      trace_id: randomBytes(16).toString('hex'),
    };
    lines.set(event.trace_id, {
      latencyMs: event.latency_ms,
      success: event.success,
      action: event.action,
    });
    writer.write(event);
  }
}

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('exporter-prometheus-'));
  const file = join(dir, 'telemetry.jsonl');
  agentHealth = createServer((_, response) => {
    response.writeHead(503, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: 'unhealthy', errors: ['Cannot load manifest'] }));
  });
  await new Promise<void>((resolve) => agentHealth.listen(0, '127.0.0.1', resolve));
  const healthPort = (agentHealth.address() as AddressInfo).port;

  writer = createTelemetryWriter({
    file,
    maxSizeBytes: 16 * 1024,
    flushIntervalMs: 10,
    retention: { maxFiles: 0, maxAgeDays: 0 },
  });
  exporter = await startExporter([
    '--file',
    file,
    '--health-url',
    `http://127.0.0.1:${healthPort}/health`,
    '--health-timeout',
    '300',
    '--poll-interval',
    '50',
    '--no-state-file',
  ]);

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
      `rule_files: [${JSON.stringify(RULES)}]`,
      'scrape_configs:',
      '  - job_name: event-agent',
      `    static_configs: [{ targets: ["127.0.0.1:${exporter.port}"] }]`,
      '',
    ].join('\n'),
  );
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // As deploy/README.md tells operators to start it.
      '--enable-feature=exemplar-storage',
      '--log.level=warn',
    ],
    { stdio: 'ignore' },
  );
  prometheusExited = new Promise((resolve) => {
    prometheus.once('exit', resolve);
    prometheus.once('error', resolve);
  });
  const spawnFailed = new Promise<never>((_, reject) =>
    prometheus.once('error', (error) =>
      reject(new Error(`cannot start prometheus (Debian package "prometheus"): ${error.message}`)),
    ),
  );
  await Promise.race([
    spawnFailed,
    waitFor(
      () =>
        fetch(`${base}/-/ready`).then(
          (r) => r.ok,
          () => false,
        ),
      Boolean,
      100,
    ),
  ]);
}, 30_000);

afterAll(async () => {
  await writer?.close();
  prometheus?.kill('SIGTERM');
  exporter?.child.kill('SIGTERM');
  agentHealth?.close();
  await Promise.all([prometheusExited, exporter?.exited]);
  cleanup?.();
});

describe('Prometheus scraping the exporter', () => {
  it('sees event_agent_requests_total equal to the lines written, through rotations', async () => {
    // Prometheus discovers targets a few seconds after start; traffic must come after the first
    // scrape and span several, so rate() and increase() see the counters move.
    await waitFor(
      () => query('up{job="event-agent"} == 1'),
      (r) => (r.data?.result.length ?? 0) > 0,
      250,
    );
    for (let burst = 0; burst < 8; burst++) {
      writeBurst(250);
      await writer.flush();
      // Each burst must be seen by a scrape of its own.
      await waitFor(
        () => scalar('sum(event_agent_requests_total)'),
        (value) => value === written,
        100,
      );
    }
    await writer.flush();
    expect(writer.stats.rotations).toBeGreaterThan(3);
    const seen = await waitFor(
      () => scalar('sum(event_agent_requests_total)'),
      (value) => value === written,
      250,
    );
    expect(seen).toBe(2000);
    expect(await scalar('sum(event_agent_exporter_rotations_total)')).toBe(writer.stats.rotations);
    expect(await scalar('sum(event_agent_exporter_malformed_lines_total)')).toBe(0);
  }, 40_000);

  it('stores exemplars whose trace ids were written, each in the bucket its latency belongs to', async () => {
    const exemplars = async (expr: string) => {
      const params = new URLSearchParams({ query: expr, start: '0', end: `${Date.now() / 1000}` });
      const response = await fetch(`${base}/api/v1/query_exemplars?${params}`);
      const body = (await response.json()) as {
        data: Array<{
          seriesLabels: Record<string, string>;
          exemplars: Array<{ labels: Record<string, string>; value: string }>;
        }>;
      };
      return body.data.flatMap(({ seriesLabels, exemplars: list }) =>
        list.map((exemplar) => ({ series: seriesLabels, ...exemplar })),
      );
    };
    const buckets = await waitFor(
      () => exemplars('event_agent_latency_seconds_bucket'),
      (list) => new Set(list.map((e) => e.series.le)).size >= 3,
      250,
    );
    for (const { series, labels, value } of buckets) {
      const line = lines.get(labels.trace_id ?? '');
      expect(line, `exemplar trace id ${labels.trace_id} was never written`).toBeDefined();
      expect(series.action).toBe(line?.action);
      expect(Number(value)).toBe((line?.latencyMs ?? Number.NaN) / 1000);
      const le = series.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(series.le);
      const below = [0, ...LATENCY_BUCKETS_SECONDS].filter((bound) => bound < le).pop() ?? 0;
      expect(Number(value)).toBeGreaterThan(below);
      expect(Number(value)).toBeLessThanOrEqual(le);
    }
    const errors = await exemplars('event_agent_errors_total');
    expect(errors.length).toBeGreaterThan(0);
    for (const { series, labels } of errors) {
      expect(lines.get(labels.trace_id ?? '')).toMatchObject({
        success: false,
        action: series.action,
      });
    }
  });

  it('evaluates every dashboard expression to data', async () => {
    // Template variables as Grafana sends them with "All" selected.
    const expressions = dashboardExpressions();
    // Recording rules the dashboard uses must have been evaluated once.
    await waitFor(
      () => query('event_agent:slo_error_ratio:rate3d'),
      (r) => (r.data?.result.length ?? 0) > 0,
      250,
    );
    const empty: string[] = [];
    for (const expr of expressions) {
      const result = await query(expr);
      expect(result.status, `${expr}: ${result.error}`).toBe('success');
      if ((result.data?.result.length ?? 0) === 0) empty.push(expr);
    }
    expect(empty).toEqual([]);
  });

  it('evaluates every rule expression: recording rules and driven alerts return data', async () => {
    const rules = await waitFor(
      async () => {
        const response = (await (await fetch(`${base}/api/v1/rules`)).json()) as {
          data: {
            groups: Array<{
              rules: Array<{
                name: string;
                query: string;
                type: string;
                health: string;
                lastError?: string;
              }>;
            }>;
          };
        };
        return response.data.groups.flatMap((group) => group.rules);
      },
      (list) => list.length > 0 && list.every((rule) => rule.health === 'ok'),
      250,
    );
    const declared =
      readDeployFile('prometheus/alert_rules.yml').match(/^\s+- (record|alert):/gm) ?? [];
    expect(rules.length).toBe(declared.length);
    const empty: string[] = [];
    for (const rule of rules) {
      const result = await query(rule.query);
      expect(result.status, `${rule.name}: ${result.error}`).toBe('success');
      if ((result.data?.result.length ?? 0) > 0) continue;
      const operand = QUIET_ALERTS[rule.name];
      if (operand && ((await query(operand)).data?.result.length ?? 0) > 0) continue;
      empty.push(rule.name);
    }
    expect(empty).toEqual([]);
    expect(await scalar('event_agent_health_up')).toBe(0);
  });
});
