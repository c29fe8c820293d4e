import {
  type ActionCounts,
  byActionLabel,
  logCensus,
  parseExposition,
  type TelemetryCensus,
  tally,
  telemetryCensus,
} from './census.js';
import type { LoadResult, RequestKind } from './load.js';
import { type Child, httpGet, waitFor } from './processes.js';
import type { Prometheus } from './prometheus.js';

/** Every check appends what it found wrong here; the drill passes when it stays empty. */
export type Mismatches = string[];

export function compareCounts(
  mismatches: Mismatches,
  what: string,
  expected: ActionCounts,
  actual: Record<string, { count: number; failures?: number }>,
  { failures = true } = {},
) {
  const actions = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  for (const action of actions) {
    const want = expected[action] ?? { count: 0, failures: 0 };
    const got = actual[action] ?? { count: 0, failures: 0 };
    if (want.count === 0 && got.count === 0) continue;
    if (want.count !== got.count) {
      mismatches.push(`${what}: ${action} count ${got.count}, expected ${want.count}`);
    }
    if (failures && got.failures !== undefined && want.failures !== got.failures) {
      mismatches.push(`${what}: ${action} failures ${got.failures}, expected ${want.failures}`);
    }
  }
}

/** What the load generator saw, as the telemetry actions it must have produced. */
export function expectedFromLoad(
  kinds: RequestKind[],
  load: LoadResult,
  mismatches: Mismatches,
): ActionCounts {
  const expected: ActionCounts = {};
  for (const kind of kinds) {
    for (const [status, count] of Object.entries(load.byKind[kind.name] ?? {})) {
      if (Number(status) !== kind.status) {
        mismatches.push(`load: ${kind.name} answered ${status} ${count}×, expected ${kind.status}`);
      }
      const ok = Number(status) >= 200 && Number(status) < 300;
      tally(expected, kind.action, count, ok ? 0 : count);
    }
  }
  if (load.errors > 0) mismatches.push(`load: ${load.errors} requests without a response`);
  if (load.responses === 0) mismatches.push('load: no responses at all');
  return expected;
}

/** Layer 1: every telemetry line the agent wrote (archives and live file), through core. */
export async function checkTelemetry(
  files: string[],
  expected: ActionCounts,
  mismatches: Mismatches,
): Promise<TelemetryCensus> {
  const telemetry = await telemetryCensus(files);
  compareCounts(mismatches, 'telemetry', expected, telemetry.byAction);
  compareCounts(mismatches, 'summarizeTelemetry', telemetry.byAction, telemetry.summary);
  if (telemetry.malformed > 0) {
    mismatches.push(
      `telemetry: ${telemetry.malformed} malformed lines: ${telemetry.firstMalformed.join('; ')}`,
    );
  }
  if (telemetry.duplicateTraceIds > 0) {
    mismatches.push(`telemetry: ${telemetry.duplicateTraceIds} duplicated trace_ids`);
  }
  if (telemetry.missingTraceIds > 0) {
    mismatches.push(`telemetry: ${telemetry.missingTraceIds} lines without trace_id`);
  }
  return telemetry;
}

/** Layer 2: one `Request started` and one `completed`/`failed` log line per telemetry trace id. */
export async function checkLogs(
  logFile: string,
  telemetry: TelemetryCensus,
  mismatches: Mismatches,
) {
  const logs = await logCensus(logFile);
  let requestLines = 0;
  let unlogged = 0;
  let badPairs = 0;
  for (const traceId of telemetry.traceIds) {
    const started = logs.started.get(traceId) ?? 0;
    const finished = logs.finished.get(traceId) ?? 0;
    if (started === 0 && finished === 0) unlogged++;
    else if (started !== 1 || finished !== 1) badPairs++;
  }
  for (const [traceId, n] of logs.started) {
    requestLines += n + (logs.finished.get(traceId) ?? 0);
    if (!telemetry.traceIds.has(traceId)) badPairs++;
  }
  if (unlogged > 0) mismatches.push(`logs: ${unlogged} requests have no log lines`);
  if (badPairs > 0) {
    mismatches.push(`logs: ${badPairs} requests without exactly one started + one finished line`);
  }
  if (logs.malformed.length > 0) {
    mismatches.push(`logs: lines not in the seed format: ${logs.malformed.join(' | ')}`);
  }
  return { files: logs.files.length, lines: logs.lines, requestLines };
}

const asCounts = (requests: Record<string, number>, errors?: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(requests).map(([action, count]) => [
      action,
      { count, ...(errors ? { failures: errors[action] ?? 0 } : {}) },
    ]),
  );

/** Layer 3: the exporter's counters, once it has caught up with the last line. */
export async function checkExporter(
  url: string,
  child: Child,
  telemetry: TelemetryCensus,
  mismatches: Mismatches,
) {
  const totalLines = telemetry.lines;
  const scrape = async () => parseExposition((await httpGet(`${url}/metrics`)).text);
  let samples = await scrape();
  try {
    samples = await waitFor(
      'exporter caught up',
      async () => {
        const current = await scrape();
        return current.get('event_agent_exporter_lines_total') === totalLines ? current : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250, child },
    );
  } catch (error) {
    mismatches.push(`exporter: ${(error as Error).message}`);
    samples = await scrape().catch(() => samples);
  }
  const now = Date.now() / 1000;
  const requests = byActionLabel(samples, 'event_agent_requests_total');
  const errors = byActionLabel(samples, 'event_agent_errors_total');
  compareCounts(mismatches, 'exporter', telemetry.byAction, asCounts(requests, errors));
  const lines = samples.get('event_agent_exporter_lines_total') ?? Number.NaN;
  const malformed = samples.get('event_agent_exporter_malformed_lines_total') ?? Number.NaN;
  const authFailures = samples.get('event_agent_auth_failures_total') ?? Number.NaN;
  const unauthorized = telemetry.byAction.unauthorized?.count ?? 0;
  if (lines !== totalLines) {
    mismatches.push(`exporter: ${lines} lines read, the files hold ${totalLines}`);
  }
  if (malformed !== 0) mismatches.push(`exporter: ${malformed} malformed lines`);
  if (authFailures !== unauthorized) {
    mismatches.push(`exporter: auth failures ${authFailures}, telemetry has ${unauthorized}`);
  }
  const lagSeconds = samples.get('event_agent_exporter_lag_seconds') ?? Number.NaN;
  const idleSeconds = now - telemetry.newestTs;
  // The gauge is now − newest ts read; once caught up it equals the time since the last request.
  if (!(Math.abs(lagSeconds - idleSeconds) < 2)) {
    mismatches.push(
      `exporter: lag ${lagSeconds.toFixed(2)} s but the last event is ${idleSeconds.toFixed(2)} s old`,
    );
  }
  return {
    requests,
    errors,
    lines,
    malformed,
    rotationsFollowed: samples.get('event_agent_exporter_rotations_total') ?? Number.NaN,
    lagSeconds,
    idleSeconds,
  };
}

/** Layer 4: what Prometheus scraped last, counter resets, the alert rules, the health probe. */
export async function checkPrometheus(
  prometheus: Prometheus,
  telemetry: TelemetryCensus,
  exporterRequests: Record<string, number>,
  mismatches: Mismatches,
) {
  const query = async () => {
    const result = await prometheus.query('event_agent_requests_total');
    return Object.fromEntries(result.map((s) => [s.labels.action ?? '', s.value]));
  };
  let requests: Record<string, number> = {};
  try {
    requests = await waitFor(
      'prometheus scraped the final counts',
      async () => {
        const current = await query();
        const same = Object.entries(exporterRequests).every(([a, v]) => current[a] === v);
        return same ? current : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 500 },
    );
  } catch (error) {
    mismatches.push(`prometheus: ${(error as Error).message}`);
    requests = await query().catch(() => ({}));
  }
  compareCounts(mismatches, 'prometheus', telemetry.byAction, asCounts(requests), {
    failures: false,
  });
  const resets =
    (await prometheus.query('sum(resets(event_agent_requests_total[1h]))'))[0]?.value ?? 0;
  if (resets !== 0) {
    mismatches.push(
      `prometheus: event_agent_requests_total reset ${resets}× (a restart lost its counters)`,
    );
  }
  const rules = await prometheus.rules();
  if (rules.unhealthy.length > 0) {
    mismatches.push(`prometheus rules failing: ${rules.unhealthy.join('; ')}`);
  }
  const healthUp = await prometheus.query('max_over_time(event_agent_health_up[10m])');
  if (healthUp[0]?.value !== 1) {
    mismatches.push('prometheus: event_agent_health_up was never 1 during the drill');
  }
  return { requests, resets, rules: rules.rules };
}
