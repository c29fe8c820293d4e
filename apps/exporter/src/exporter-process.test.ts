import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLE_MANIFEST_PATH } from '@eventkit/core/manifest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCli } from './cli.js';
import {
  BUILT_EXPORTER,
  type ExporterProcess,
  startExporter,
  waitFor,
} from './test-support/exporter-process.js';
import { appendLines, telemetryLine, tempDir } from './test-support/telemetry-files.js';

// The built binary, as systemd runs it: signals, exit codes, and restarts with exact counts.

let dir: string;
let cleanup: () => void;
let file: string;
let stateFile: string;
const running: ExporterProcess[] = [];

beforeEach(() => {
  ({ dir, cleanup } = tempDir('exporter-process-'));
  file = join(dir, 'telemetry.jsonl');
  stateFile = join(dir, 'state.json');
});
afterEach(async () => {
  for (const exporter of running.splice(0)) {
    if (exporter.child.exitCode === null && exporter.child.signalCode === null)
      exporter.child.kill('SIGKILL');
    await exporter.exited;
  }
  cleanup();
});

async function start(extra: string[] = []): Promise<ExporterProcess> {
  const exporter = await startExporter([
    '--file',
    file,
    '--state-file',
    stateFile,
    '--poll-interval',
    '20',
    '--checkpoint-interval',
    '50',
    ...extra,
  ]);
  running.push(exporter);
  return exporter;
}

const lines = (exporter: ExporterProcess) => exporter.value('event_agent_exporter_lines_total');
const requests = (exporter: ExporterProcess) => exporter.value('event_agent_requests_total');

function writeBatch(from: number, count: number): number {
  let text = '';
  for (let i = from; i < from + count; i++) text += telemetryLine(i);
  appendFileSync(file, text);
  return from + count;
}

describe('event-agent-exporter process', () => {
  it('survives SIGHUP, writes a checkpoint on SIGTERM and continues the counters after a restart', async () => {
    let next = appendLines(file, 0, 100);
    const first = await start();
    await waitFor(
      () => lines(first),
      (n) => n === 100,
    );
    first.child.kill('SIGHUP'); // ignored: rotation needs no signal
    await waitFor(
      async () => first.stderr(),
      (text) => text.includes('SIGHUP ignored'),
    );
    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).tally.lines).toBe(100);

    next = appendLines(file, next, 50);
    const second = await start();
    await waitFor(
      () => lines(second),
      (n) => n >= 150,
    );
    expect(await requests(second)).toBe(150);
  });

  it('stops promptly on SIGTERM in the middle of a catch-up, and the restart finishes it exactly', async () => {
    const total = writeBatch(0, 200_000);
    const first = await start();
    await waitFor(
      () => lines(first),
      (n) => n > 0,
      5,
    );
    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')).tally.lines;
    expect(saved).toBeGreaterThan(0);
    const second = await start();
    await waitFor(
      () => lines(second),
      (n) => n >= total,
    );
    expect({ lines: await lines(second), requests: await requests(second) }).toEqual({
      lines: total,
      requests: total,
    });
  });

  it('loses and repeats nothing when SIGKILLed repeatedly during a catch-up and rotated while down', async () => {
    let next = writeBatch(0, 200_000);
    const checkpointed: number[] = [];
    for (let kill = 0; kill < 3; kill++) {
      const exporter = await start();
      const before = existsSync(stateFile) ? readFileSync(stateFile, 'utf8') : '';
      // Kill right after a new checkpoint with progress lands (usually mid catch-up).
      await waitFor(
        async () =>
          existsSync(stateFile) &&
          readFileSync(stateFile, 'utf8') !== before &&
          JSON.parse(readFileSync(stateFile, 'utf8')).tally.lines > 0,
        Boolean,
        5,
      );
      exporter.child.kill('SIGKILL');
      await exporter.exited;
      checkpointed.push(JSON.parse(readFileSync(stateFile, 'utf8')).tally.lines);
      next = writeBatch(next, 500);
    }
    renameSync(file, `${file}.1`);
    next = writeBatch(next, 700);

    const last = await start();
    await waitFor(
      () => lines(last),
      (n) => n >= next,
    );
    expect({ lines: await lines(last), requests: await requests(last) }).toEqual({
      lines: next,
      requests: next,
    });
    expect(await last.value('event_agent_exporter_rotations_total')).toBe(1);
    expect(await last.value('event_agent_exporter_malformed_lines_total')).toBe(0);
    // No checkpoint ever went back.
    expect([...checkpointed].sort((a, b) => a - b)).toEqual(checkpointed);
  });

  it('without a checkpoint reads the live file from its start, or with --from end only new lines', async () => {
    appendLines(file, 0, 30);
    const first = await start(['--no-state-file']);
    await waitFor(
      () => lines(first),
      (n) => n === 30,
    );
    first.child.kill('SIGTERM');
    await first.exited;
    expect(existsSync(stateFile)).toBe(false);
    appendLines(file, 30, 5);
    const second = await start(['--no-state-file', '--from', 'end']);
    await waitFor(
      async () =>
        (await (await fetch(`http://127.0.0.1:${second.port}/health`)).json()) as {
          started: boolean;
        },
      (health) => health.started === true,
    );
    appendLines(file, 35, 2);
    await waitFor(
      () => lines(second),
      (n) => n === 2,
    );
    expect(await requests(second)).toBe(2);
  });

  it.each([
    ['--manifest', (manifest: string) => ({ args: ['--manifest', manifest], env: process.env })],
    [
      'EVENTKIT_MANIFEST',
      (manifest: string) => ({ args: [], env: { ...process.env, EVENTKIT_MANIFEST: manifest } }),
    ],
  ])(
    "defaults --file to agent.json's telemetry.file (%s), resolved against the working directory",
    async (_, how) => {
      const manifest = join(dir, 'agent.json');
      const sample = JSON.parse(readFileSync(SAMPLE_MANIFEST_PATH, 'utf8'));
      writeFileSync(
        manifest,
        JSON.stringify({ ...sample, telemetry: { enabled: true, file: 'events.jsonl' } }),
      );
      const { args, env } = how(manifest);
      const exporter = await startExporter(['--no-state-file', ...args], { cwd: dir, env });
      running.push(exporter);
      appendLines(join(dir, 'events.jsonl'), 0, 3);
      await waitFor(
        () => lines(exporter),
        (n) => n === 3,
      );
      const health = (await (await fetch(`http://127.0.0.1:${exporter.port}/health`)).json()) as {
        files: string[];
      };
      expect(health.files).toEqual([join(dir, 'events.jsonl')]);
    },
  );

  it('says when the telemetry file does not exist yet, then counts it once the agent creates it', async () => {
    const exporter = await start();
    expect(exporter.stderr()).toContain(
      `${file} does not exist yet; counting starts when the agent creates it`,
    );
    appendLines(file, 0, 3);
    await waitFor(
      () => requests(exporter),
      (count) => count === 3,
    );
  });

  it('serves /health and answers 404 elsewhere', async () => {
    const exporter = await start();
    const health = await fetch(`http://127.0.0.1:${exporter.port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'healthy', files: [file] });
    expect((await fetch(`http://127.0.0.1:${exporter.port}/nope`)).status).toBe(404);
    // Until its first poll has finished, /metrics answers 503 by design.
    await waitFor(
      async () =>
        (
          (await (await fetch(`http://127.0.0.1:${exporter.port}/health`)).json()) as {
            caughtUp: boolean;
          }
        ).caughtUp,
      Boolean,
    );
    const metrics = await fetch(`http://127.0.0.1:${exporter.port}/metrics`);
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await metrics.text()).toContain('process_cpu_user_seconds_total');
  });

  it('--help explains every flag and exits 0', () => {
    const help = spawnSync(process.execPath, [BUILT_EXPORTER, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    const flags = createCli({ env: {}, stdout: () => {}, stderr: () => {} }).options.map(
      (o) => o.long,
    );
    expect(flags.length).toBeGreaterThan(10);
    for (const flag of flags) expect(help.stdout).toContain(flag);
    expect(help.stdout).toContain('Examples:');
  });

  it.each([
    [['--port', 'x'], 2, '--port must be an integer'],
    [['--from', 'middle'], 2, 'Allowed choices are start, end'],
    [['--health-url', 'ftp://x'], 2, 'expected an http(s) URL'],
    [['--manifest', '/nonexistent/agent.json'], 3, 'Manifest not found'],
  ])('refuses %j with exit code %i and a clear message, no stack trace', (args, code, message) => {
    const child = spawnSync(process.execPath, [BUILT_EXPORTER, ...args], { encoding: 'utf8' });
    expect(child.status).toBe(code);
    expect(child.stderr).toContain(message);
    expect(child.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses an invalid manifest with exit code 3, naming the field', () => {
    const manifest = join(dir, 'agent.json');
    writeFileSync(manifest, JSON.stringify({ sessions: 'none' }));
    const child = spawnSync(process.execPath, [BUILT_EXPORTER, '--manifest', manifest], {
      encoding: 'utf8',
    });
    expect(child.status).toBe(3);
    expect(child.stderr).toContain('sessions');
    expect(child.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a corrupt state file instead of silently resetting the counters', async () => {
    writeFileSync(stateFile, '{oops');
    await expect(start()).rejects.toThrow(/state file is not valid JSON/);
  });
});
