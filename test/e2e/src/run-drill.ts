import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SAMPLE_MANIFEST_PATH } from '@eventkit/core';
import { createArchiveVault } from './archive-vault.js';
import { builtBin, repoRoot } from './bins.js';
import {
  type ActionCounts,
  byActionLabel,
  logCensus,
  parseExposition,
  tally,
  telemetryCensus,
} from './census.js';
import { type LoadResult, requestMix, runLoad } from './load.js';
import { runLogrotate, writeLogrotateConfig } from './logrotate.js';
import {
  type Child,
  createProcessGroup,
  freePort,
  httpGet,
  type ProcessGroup,
  sleep,
  stopChild,
  waitFor,
} from './processes.js';
import { startPrometheus } from './prometheus.js';

export interface DrillOptions {
  /** How long the load runs. */
  durationMs: number;
  connections?: number;
  /** The agent's `telemetry.maxSizeBytes`: small, so it rotates many times. */
  maxSizeBytes?: number;
  /** Keep the temp directory (files, logs, Prometheus data) for inspection. */
  keep?: boolean;
  /** The logrotate config to render (default: the shipped deploy/logrotate/event-agent). */
  logrotateConfig?: string;
  /** Progress lines. */
  log?: (line: string) => void;
  /** The process group to start children in (the CLI passes one it kills on exit). */
  group?: ProcessGroup;
}

export interface DrillReport {
  workDir: string;
  durationSeconds: number;
  load: LoadResult;
  expected: ActionCounts;
  telemetry: {
    files: number;
    archives: number;
    lines: number;
    malformed: number;
    byAction: ActionCounts;
    duplicateTraceIds: number;
  };
  logs: { files: number; lines: number; requestLines: number };
  exporter: {
    requests: Record<string, number>;
    errors: Record<string, number>;
    lines: number;
    malformed: number;
    rotationsFollowed: number;
    lagSeconds: number;
    idleSeconds: number;
  };
  prometheus: { requests: Record<string, number>; resets: number; rules: number };
  rotations: { telemetry: number; logrotate: number };
  restarts: { exporterSigterm: number; exporterSigkill: number };
  agentExit: number | string;
  exporterExits: Array<number | string>;
  /** Warnings the exporter printed (e.g. a checkpointed file already deleted by retention). */
  notes: string[];
  mismatches: string[];
}

const sumCounts = (counts: ActionCounts) =>
  Object.values(counts).reduce((total, { count }) => total + count, 0);

function compareCounts(
  mismatches: string[],
  what: string,
  expected: ActionCounts,
  actual: Record<string, { count: number; failures?: number }>,
  { failures = true, ignoreZero = true } = {},
) {
  const actions = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  for (const action of actions) {
    const want = expected[action] ?? { count: 0, failures: 0 };
    const got = actual[action] ?? { count: 0, failures: 0 };
    if (ignoreZero && want.count === 0 && got.count === 0) continue;
    if (want.count !== got.count) {
      mismatches.push(`${what}: ${action} count ${got.count}, expected ${want.count}`);
    }
    if (failures && got.failures !== undefined && want.failures !== got.failures) {
      mismatches.push(`${what}: ${action} failures ${got.failures}, expected ${want.failures}`);
    }
  }
}

/** The drill's agent.json: the bundled sample event with telemetry and export in the temp dir. */
async function writeManifest(dir: string, maxSizeBytes: number) {
  const sample = JSON.parse(await readFile(SAMPLE_MANIFEST_PATH, 'utf8')) as {
    sessions: Array<{ title: string }>;
    telemetry?: Record<string, unknown>;
    features?: { export?: Record<string, unknown> };
  };
  const telemetryFile = path.join(dir, 'telemetry', 'telemetry.jsonl');
  await mkdir(path.dirname(telemetryFile), { recursive: true });
  sample.telemetry = { ...sample.telemetry, enabled: true, file: telemetryFile, maxSizeBytes };
  sample.features = {
    ...sample.features,
    export: { enabled: true, output_dir: path.join(dir, 'exports') },
  };
  const manifestPath = path.join(dir, 'agent.json');
  await writeFile(manifestPath, `${JSON.stringify(sample, null, 2)}\n`);
  return { manifestPath, telemetryFile, explainTitle: sample.sessions[1]?.title ?? 'x' };
}

/**
 * The operations drill (issue 7): the built agent under mixed load, with telemetry rotating every
 * few kilobytes, logrotate on its log, the exporter restarted twice (SIGTERM, SIGKILL) and the
 * real Prometheus scraping it every second; then every count is compared, layer by layer.
 */
export async function runDrill({
  durationMs,
  connections = 16,
  maxSizeBytes = 512 * 1024,
  keep = false,
  logrotateConfig,
  log = () => {},
  group = createProcessGroup(),
}: DrillOptions): Promise<DrillReport> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'eventkit-drill-'));
  const mismatches: string[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  try {
    return await drill();
  } finally {
    group.killAll();
    for (const cleanup of cleanups) await cleanup().catch(() => {});
    if (!keep) await rm(workDir, { recursive: true, force: true });
  }

  async function drill(): Promise<DrillReport> {
    const token = randomBytes(24).toString('base64url');
    const { manifestPath, telemetryFile, explainTitle } = await writeManifest(
      workDir,
      maxSizeBytes,
    );
    const logDir = path.join(workDir, 'logs');
    await mkdir(logDir, { recursive: true });
    const logFile = path.join(logDir, 'agent.log');
    const [agentPort, exporterPort, prometheusPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const agentUrl = `http://127.0.0.1:${agentPort}`;
    const exporterUrl = `http://127.0.0.1:${exporterPort}`;

    log(`work dir ${workDir}`);
    const agent = group.start({
      name: 'agent',
      command: process.execPath,
      args: [
        builtBin('@eventkit/agent-server'),
        '--port',
        String(agentPort),
        '--manifest',
        manifestPath,
      ],
      env: {
        API_TOKEN: token,
        LOG_FILE: logFile,
        LOG_LEVEL: 'INFO',
        RATE_LIMIT_PER_MINUTE: '0',
        EVENTKIT_PROFILES: path.join(workDir, 'profiles.json'),
        OTEL_TRACES_EXPORTER: 'none',
      },
      logFile: path.join(workDir, 'agent.console.log'),
    });
    await waitFor(
      'agent healthy',
      async () => ((await httpGet(`${agentUrl}/health`)).status === 200 ? true : undefined),
      { child: agent },
    );
    const vault = await createArchiveVault(telemetryFile, path.join(workDir, 'vault'));
    cleanups.push(vault.stop);

    const exporterExits: Array<number | string> = [];
    const stateFile = path.join(workDir, 'exporter-state.json');
    const startExporter = async (): Promise<Child> => {
      const child = group.start({
        name: 'exporter',
        command: process.execPath,
        args: [
          builtBin('@eventkit/exporter'),
          '--file',
          telemetryFile,
          '--port',
          String(exporterPort),
          '--state-file',
          stateFile,
          '--health-url',
          `${agentUrl}/health`,
        ],
        logFile: path.join(workDir, 'exporter.log'),
      });
      await waitFor(
        'exporter serving /metrics',
        async () => ((await httpGet(`${exporterUrl}/metrics`)).status === 200 ? true : undefined),
        { child },
      );
      return child;
    };
    let exporter = await startExporter();
    const prometheus = await startPrometheus({
      group,
      dir: path.join(workDir, 'prometheus'),
      port: prometheusPort,
      target: `127.0.0.1:${exporterPort}`,
      ruleFiles: [path.join(repoRoot(), 'deploy', 'prometheus', 'alert_rules.yml')],
    });
    log(`agent ${agentUrl}, exporter ${exporterUrl}, prometheus ${prometheus.url}`);

    // Operations during the load, at fixed fractions of it.
    const shipped = logrotateConfig ?? path.join(repoRoot(), 'deploy', 'logrotate', 'event-agent');
    const renderedConfig = path.join(workDir, 'logrotate.conf');
    const rendered = existsSync(shipped)
      ? await writeLogrotateConfig(shipped, renderedConfig, logFile, agent.process.pid ?? 0)
      : undefined;
    if (!rendered) mismatches.push(`logrotate: the shipped config ${shipped} does not exist`);
    const rotationsWanted = Math.min(3, rendered?.keep ?? 3);
    let logrotations = 0;
    const restarts = { exporterSigterm: 0, exporterSigkill: 0 };
    const operations: Array<[number, string, () => Promise<void>]> = [];
    for (let i = 0; i < rotationsWanted; i++) {
      operations.push([
        (i + 1) / (rotationsWanted + 1) - 0.05,
        'logrotate',
        async () => {
          if (!rendered) return;
          const result = await runLogrotate(renderedConfig, path.join(workDir, 'logrotate.state'));
          if (result.code === 0) logrotations++;
          else mismatches.push(`logrotate exited ${result.code}: ${result.output.trim()}`);
        },
      ]);
    }
    const linesNow = async () =>
      parseExposition((await httpGet(`${exporterUrl}/metrics`)).text).get(
        'event_agent_exporter_lines_total',
      ) ?? Number.NaN;
    const restart = (signal: 'SIGTERM' | 'SIGKILL') => async () => {
      // What Prometheus may already have scraped, and what the restarted exporter starts from.
      const before = await linesNow().catch(() => Number.NaN);
      const code = await stopChild(exporter, signal);
      exporterExits.push(code);
      if (signal === 'SIGTERM' && code !== 0) {
        mismatches.push(`exporter exited ${code} on SIGTERM, expected 0`);
      }
      exporter = await startExporter();
      const after = await linesNow().catch(() => Number.NaN);
      if (after < before) {
        mismatches.push(
          `exporter ${signal} restart: counters went back from ${before} to ${after} lines (restored an older checkpoint; Prometheus sees a counter reset)`,
        );
      }
      if (signal === 'SIGTERM') restarts.exporterSigterm++;
      else restarts.exporterSigkill++;
    };
    operations.push([0.3, 'exporter SIGTERM + restart', restart('SIGTERM')]);
    operations.push([0.6, 'exporter SIGKILL + restart', restart('SIGKILL')]);
    operations.sort((a, b) => a[0] - b[0]);

    const opsDone = (async () => {
      const started = Date.now();
      for (const [at, name, run] of operations) {
        const wait = started + at * durationMs - Date.now();
        if (wait > 0) await sleep(wait);
        log(`  ${((Date.now() - started) / 1000).toFixed(1)} s: ${name}`);
        await run().catch((error: unknown) => {
          mismatches.push(`${name} failed: ${(error as Error).message}`);
        });
      }
    })();

    const kinds = requestMix(token, explainTitle);
    log(`load: ${connections} connections for ${durationMs / 1000} s`);
    const load = await runLoad({
      url: agentUrl,
      kinds,
      durationMs,
      connections,
      onTick: (responses, ms) => {
        if (Math.round(ms / 1000) % 5 === 0)
          log(`  ${(ms / 1000).toFixed(0)} s: ${responses} responses`);
      },
    });
    await opsDone;

    // What the load generator saw, as the telemetry actions it must have produced.
    const expected: ActionCounts = {};
    for (const kind of kinds) {
      for (const [status, count] of Object.entries(load.byKind[kind.name] ?? {})) {
        if (Number(status) !== kind.status) {
          mismatches.push(
            `load: ${kind.name} answered ${status} ${count}×, expected ${kind.status}`,
          );
        }
        const ok = Number(status) >= 200 && Number(status) < 300;
        tally(expected, kind.action, count, ok ? 0 : count);
      }
    }
    if (load.errors > 0) mismatches.push(`load: ${load.errors} requests without a response`);

    const agentExit = await stopChild(agent, 'SIGTERM');
    if (agentExit !== 0) mismatches.push(`agent exited ${agentExit} on SIGTERM, expected 0`);
    await vault.stop();

    // Layer 1: telemetry files (every archive the agent ever wrote, and the live file).
    const archives = await vault.files();
    const files = existsSync(telemetryFile) ? [...archives, telemetryFile] : archives;
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

    // Layer 2: the application log, across logrotate's archives.
    const logs = await logCensus(logFile);
    let requestLines = 0;
    let unlogged = 0;
    let badLogPairs = 0;
    for (const traceId of telemetry.traceIds) {
      const started = logs.started.get(traceId) ?? 0;
      const finished = logs.finished.get(traceId) ?? 0;
      if (started === 0 && finished === 0) unlogged++;
      else if (started !== 1 || finished !== 1) badLogPairs++;
    }
    for (const [traceId, n] of logs.started) {
      requestLines += n + (logs.finished.get(traceId) ?? 0);
      if (!telemetry.traceIds.has(traceId)) badLogPairs++;
    }
    if (unlogged > 0) mismatches.push(`logs: ${unlogged} requests have no log lines`);
    if (badLogPairs > 0)
      mismatches.push(
        `logs: ${badLogPairs} requests without exactly one started + one finished line`,
      );
    if (logs.malformed.length > 0)
      mismatches.push(`logs: lines not in the seed format: ${logs.malformed.join(' | ')}`);

    // Layer 3: the exporter, once it has caught up with the last line.
    const totalLines = telemetry.lines;
    const scrapeExporter = async () =>
      parseExposition((await httpGet(`${exporterUrl}/metrics`)).text);
    let samples = await scrapeExporter();
    try {
      samples = await waitFor(
        'exporter caught up',
        async () => {
          const current = await scrapeExporter();
          return current.get('event_agent_exporter_lines_total') === totalLines
            ? current
            : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 250, child: exporter },
      );
    } catch (error) {
      mismatches.push(`exporter: ${(error as Error).message}`);
      samples = await scrapeExporter().catch(() => samples);
    }
    const now = Date.now() / 1000;
    const exporterRequests = byActionLabel(samples, 'event_agent_requests_total');
    const exporterErrors = byActionLabel(samples, 'event_agent_errors_total');
    const asCounts = (requests: Record<string, number>, errors?: Record<string, number>) =>
      Object.fromEntries(
        Object.entries(requests).map(([action, count]) => [
          action,
          { count, ...(errors ? { failures: errors[action] ?? 0 } : {}) },
        ]),
      );
    compareCounts(
      mismatches,
      'exporter',
      telemetry.byAction,
      asCounts(exporterRequests, exporterErrors),
    );
    const exporterLines = samples.get('event_agent_exporter_lines_total') ?? Number.NaN;
    const exporterMalformed =
      samples.get('event_agent_exporter_malformed_lines_total') ?? Number.NaN;
    const authFailures = samples.get('event_agent_auth_failures_total') ?? Number.NaN;
    if (exporterLines !== totalLines)
      mismatches.push(`exporter: ${exporterLines} lines read, the files hold ${totalLines}`);
    if (exporterMalformed !== 0) mismatches.push(`exporter: ${exporterMalformed} malformed lines`);
    if (authFailures !== (telemetry.byAction.unauthorized?.count ?? 0)) {
      mismatches.push(
        `exporter: auth failures ${authFailures}, telemetry has ${telemetry.byAction.unauthorized?.count ?? 0}`,
      );
    }
    const lagSeconds = samples.get('event_agent_exporter_lag_seconds') ?? Number.NaN;
    const idleSeconds = now - telemetry.newestTs;
    // The gauge is now − newest ts read; once caught up it equals the time since the last request.
    if (!(Math.abs(lagSeconds - idleSeconds) < 2)) {
      mismatches.push(
        `exporter: lag ${lagSeconds.toFixed(2)} s but the last event is ${idleSeconds.toFixed(2)} s old`,
      );
    }

    // Layer 4: what Prometheus scraped last (one more scrape after the exporter caught up).
    let promRequests: Record<string, number> = {};
    const promQuery = async () => {
      const result = await prometheus.query('event_agent_requests_total');
      return Object.fromEntries(result.map((s) => [s.labels.action ?? '', s.value]));
    };
    try {
      promRequests = await waitFor(
        'prometheus scraped the final counts',
        async () => {
          const current = await promQuery();
          const same = Object.entries(exporterRequests).every(([a, v]) => current[a] === v);
          return same ? current : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 500 },
      );
    } catch (error) {
      mismatches.push(`prometheus: ${(error as Error).message}`);
      promRequests = await promQuery().catch(() => ({}));
    }
    compareCounts(mismatches, 'prometheus', telemetry.byAction, asCounts(promRequests), {
      failures: false,
    });
    const resetsResult = await prometheus.query('sum(resets(event_agent_requests_total[1h]))');
    const resets = resetsResult[0]?.value ?? 0;
    if (resets !== 0)
      mismatches.push(
        `prometheus: event_agent_requests_total reset ${resets}× (a restart lost its counters)`,
      );
    const rules = await prometheus.rules();
    if (rules.unhealthy.length > 0)
      mismatches.push(`prometheus rules failing: ${rules.unhealthy.join('; ')}`);
    const healthUp = await prometheus.query('max_over_time(event_agent_health_up[10m])');
    if (healthUp[0]?.value !== 1)
      mismatches.push('prometheus: event_agent_health_up was never 1 during the drill');

    const finalExit = await stopChild(exporter, 'SIGTERM');
    exporterExits.push(finalExit);
    if (finalExit !== 0)
      mismatches.push(`exporter exited ${finalExit} on the final SIGTERM, expected 0`);
    await stopChild(prometheus.child, 'SIGTERM');

    if (sumCounts(expected) === 0) mismatches.push('load: no responses at all');
    const exporterLog = await readFile(path.join(workDir, 'exporter.log'), 'utf8').catch(() => '');
    const notes = exporterLog
      .split('\n')
      .filter((line) => line.includes('warning'))
      .map((line) => line.replaceAll(workDir, '<drill>'));
    return {
      workDir,
      durationSeconds: durationMs / 1000,
      load,
      expected,
      telemetry: {
        files: telemetry.files,
        archives: archives.length,
        lines: telemetry.lines,
        malformed: telemetry.malformed,
        byAction: telemetry.byAction,
        duplicateTraceIds: telemetry.duplicateTraceIds,
      },
      logs: { files: logs.files.length, lines: logs.lines, requestLines },
      exporter: {
        requests: exporterRequests,
        errors: exporterErrors,
        lines: exporterLines,
        malformed: exporterMalformed,
        rotationsFollowed: samples.get('event_agent_exporter_rotations_total') ?? Number.NaN,
        lagSeconds,
        idleSeconds,
      },
      prometheus: { requests: promRequests, resets, rules: rules.rules },
      rotations: { telemetry: archives.length, logrotate: logrotations },
      restarts,
      agentExit,
      exporterExits,
      notes,
      mismatches,
    };
  }
}
