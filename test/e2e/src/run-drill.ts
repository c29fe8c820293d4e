import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SAMPLE_MANIFEST_PATH } from '@eventkit/core/manifest';
import { createArchiveVault } from './archive-vault.js';
import { builtBin, repoRoot } from './bins.js';
import type { ActionCounts } from './census.js';
import {
  checkExporter,
  checkLogs,
  checkPrometheus,
  checkTelemetry,
  expectedFromLoad,
} from './drill-checks.js';
import { startExporter } from './exporter-process.js';
import { type LoadResult, requestMix, runLoad } from './load.js';
import { runLogrotate, writeLogrotateConfig } from './logrotate.js';
import {
  createProcessGroup,
  freePort,
  httpGet,
  type ProcessGroup,
  sleep,
  stopChild,
  waitFor,
} from './processes.js';
import { startPrometheus } from './prometheus.js';

/** How often the drill's exporter polls: the exporter's own default, as deployed. */
const EXPORTER_POLL_MS = 250;

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

/** The drill's agent.json: the bundled sample event with telemetry and export in the temp dir. */
export async function writeManifest(dir: string, maxSizeBytes: number) {
  const sample = JSON.parse(await readFile(SAMPLE_MANIFEST_PATH, 'utf8')) as {
    sessions: Array<{ title: string }>;
    telemetry?: Record<string, unknown>;
    features?: { export?: Record<string, unknown> };
  };
  const telemetryFile = path.join(dir, 'telemetry', 'telemetry.jsonl');
  await mkdir(path.dirname(telemetryFile), { recursive: true });
  // Retention keeps 100 archives (production default 20): at this maxSizeBytes a fast agent
  // rotates 3-4 times a second, and 20 archives (~6 s) is then shorter than the exporter's checkpoint
  // interval (5 s) plus its SIGKILL restart, so the archive it resumes in could already be deleted
  // (the exporter then warns "the checkpointed file is gone" and those lines are lost, as they
  // would be in production with such a retention).
  sample.telemetry = {
    ...sample.telemetry,
    enabled: true,
    file: telemetryFile,
    maxSizeBytes,
    maxFiles: 100,
  };
  sample.features = {
    ...sample.features,
    export: { enabled: true, output_dir: path.join(dir, 'exports') },
  };
  const manifestPath = path.join(dir, 'agent.json');
  await writeFile(manifestPath, `${JSON.stringify(sample, null, 2)}\n`);
  return { manifestPath, telemetryFile, explainTitle: sample.sessions[1]?.title ?? 'x' };
}

/**
 * The operations drill: the built agent under mixed load, with telemetry rotating every
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
    const startDrillExporter = () =>
      startExporter(telemetryFile, {
        port: exporterPort,
        stateFile,
        pollIntervalMs: EXPORTER_POLL_MS,
        args: ['--health-url', `${agentUrl}/health`],
        group,
        logFile: path.join(workDir, 'exporter.log'),
      });
    let exporter = await startDrillExporter();
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
      (await exporter.scrape()).get('event_agent_exporter_lines_total') ?? Number.NaN;
    const restart = (signal: 'SIGTERM' | 'SIGKILL') => async () => {
      // What Prometheus may already have scraped, and what the restarted exporter starts from.
      const before = await linesNow().catch(() => Number.NaN);
      const code = await exporter.stop(signal);
      exporterExits.push(code);
      if (signal === 'SIGTERM' && code !== 0) {
        mismatches.push(`exporter exited ${code} on SIGTERM, expected 0`);
      }
      exporter = await startDrillExporter();
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

    const expected = expectedFromLoad(kinds, load, mismatches);
    const agentExit = await stopChild(agent, 'SIGTERM');
    if (agentExit !== 0) mismatches.push(`agent exited ${agentExit} on SIGTERM, expected 0`);
    await vault.stop();

    const archives = await vault.files();
    const files = existsSync(telemetryFile) ? [...archives, telemetryFile] : archives;
    const telemetry = await checkTelemetry(files, expected, mismatches);
    const logs = await checkLogs(logFile, telemetry, mismatches);
    const exporterFigures = await checkExporter(exporterUrl, exporter.child, telemetry, mismatches);
    const promFigures = await checkPrometheus(
      prometheus,
      telemetry,
      exporterFigures.requests,
      mismatches,
    );

    const finalExit = await exporter.stop('SIGTERM');
    exporterExits.push(finalExit);
    if (finalExit !== 0)
      mismatches.push(`exporter exited ${finalExit} on the final SIGTERM, expected 0`);
    await stopChild(prometheus.child, 'SIGTERM');

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
      logs,
      exporter: exporterFigures,
      prometheus: promFigures,
      rotations: { telemetry: archives.length, logrotate: logrotations },
      restarts,
      agentExit,
      exporterExits,
      notes,
      mismatches,
    };
  }
}
