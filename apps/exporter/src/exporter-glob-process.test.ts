import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLE_MANIFEST_PATH } from '@eventkit/core/manifest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ExporterProcess, startExporter, waitFor } from './test-support/exporter-process.js';
import { appendLines, telemetryLine, tempDir } from './test-support/telemetry-files.js';

// The built binary following a glob, as a host running several agent workers uses it.

let dir: string;
let cleanup: () => void;
const running: ExporterProcess[] = [];
const at = (name: string) => join(dir, name);

beforeEach(() => {
  ({ dir, cleanup } = tempDir('exporter-glob-'));
});
afterEach(async () => {
  for (const exporter of running.splice(0)) {
    if (exporter.child.exitCode === null && exporter.child.signalCode === null)
      exporter.child.kill('SIGKILL');
    await exporter.exited;
  }
  cleanup();
});

async function start(files: string[], extra: string[] = []): Promise<ExporterProcess> {
  const exporter = await startExporter([
    ...files.flatMap((file) => ['--file', file]),
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

function writeBatch(file: string, from: number, count: number): number {
  let text = '';
  for (let i = from; i < from + count; i++) text += telemetryLine(i);
  appendFileSync(file, text);
  return from + count;
}

/** `.telemetry_.jsonl.exporter-state.json`: the default state file of `telemetry*.jsonl`. */
const stateOf = () => at('.telemetry_.jsonl.exporter-state.json');

describe('event-agent-exporter --file <glob>', () => {
  it("counts every worker's lines exactly once through SIGKILLs mid catch-up, a rotation while down and a worker that appeared meanwhile", async () => {
    const pattern = at('telemetry*.jsonl');
    let next = writeBatch(at('telemetry-w1.jsonl'), 0, 100_000);
    next = writeBatch(at('telemetry-w2.jsonl'), next, 100_000);
    for (let kill = 0; kill < 3; kill++) {
      const exporter = await start([pattern]);
      const before = existsSync(stateOf()) ? readFileSync(stateOf(), 'utf8') : '';
      // Kill right after a new checkpoint with progress lands (usually mid catch-up).
      await waitFor(
        async () =>
          existsSync(stateOf()) &&
          readFileSync(stateOf(), 'utf8') !== before &&
          JSON.parse(readFileSync(stateOf(), 'utf8')).tally.lines > 0,
        Boolean,
        5,
      );
      exporter.child.kill('SIGKILL');
      await exporter.exited;
      next = writeBatch(at('telemetry-w1.jsonl'), next, 300);
      next = writeBatch(at('telemetry-w2.jsonl'), next, 200);
    }
    renameSync(at('telemetry-w2.jsonl'), at('telemetry-w2.jsonl.20240315-083000-123'));
    next = writeBatch(at('telemetry-w2.jsonl'), next, 400);
    next = writeBatch(at('telemetry-w3.jsonl'), next, 500);

    const last = await start([pattern]);
    await waitFor(
      () => lines(last),
      (n) => n >= next,
    );
    expect({
      lines: await lines(last),
      requests: await last.value('event_agent_requests_total'),
      malformed: await last.value('event_agent_exporter_malformed_lines_total'),
      rotations: await last.value('event_agent_exporter_rotations_total'),
      files: await last.value('event_agent_exporter_files'),
    }).toEqual({ lines: next, requests: next, malformed: 0, rotations: 1, files: 3 });
    const state = JSON.parse(readFileSync(stateOf(), 'utf8'));
    expect(state.version).toBe(2);
  }, 60_000);

  it("picks up a new worker's file on its poll, and shows each file's lag", async () => {
    appendLines(at('telemetry-w1.jsonl'), 0, 5);
    const exporter = await start([at('telemetry*.jsonl')]);
    await waitFor(
      () => lines(exporter),
      (n) => n === 5,
    );
    appendLines(at('telemetry-w2.jsonl'), 5, 7);
    await waitFor(
      () => lines(exporter),
      (n) => n === 12,
    );
    const text = await exporter.metrics();
    expect(text).toContain('event_agent_exporter_files 2\n');
    expect(text).toContain('event_agent_exporter_file_lag_bytes{file="telemetry-w1.jsonl"} 0\n');
    expect(text).toContain('event_agent_exporter_file_lag_bytes{file="telemetry-w2.jsonl"} 0\n');
  });

  it('says when a glob matches nothing yet, then follows what appears', async () => {
    const exporter = await start([at('telemetry*.jsonl')]);
    expect(exporter.stderr()).toContain(
      `${at('telemetry*.jsonl')}: no file matches yet; files are followed as they appear`,
    );
    appendLines(at('telemetry-w4.jsonl'), 0, 3);
    await waitFor(
      () => lines(exporter),
      (n) => n === 3,
    );
  });

  it('keeps the counts of a single --file replaced by a glob: its state file is taken over', async () => {
    const file = at('telemetry.jsonl');
    let next = appendLines(file, 0, 40);
    const single = await start([file]);
    await waitFor(
      () => lines(single),
      (n) => n === 40,
    );
    single.child.kill('SIGTERM');
    await single.exited;
    next = appendLines(file, next, 2);
    next = appendLines(at('telemetry-w2.jsonl'), next, 8);

    const glob = await start([at('telemetry*.jsonl')]);
    expect(glob.stderr()).toContain(
      `${at('.telemetry.jsonl.exporter-state.json')}: continuing its counts; the state is kept in ${stateOf()} from now on`,
    );
    await waitFor(
      () => lines(glob),
      (n) => n >= next,
    );
    expect(await glob.value('event_agent_requests_total')).toBe(next);
    glob.child.kill('SIGTERM');
    await glob.exited;
    expect(JSON.parse(readFileSync(stateOf(), 'utf8')).tally.lines).toBe(next);
  });

  it("follows every worker's file of agent.json's telemetry.file by default", async () => {
    const manifest = at('agent.json');
    const sample = JSON.parse(readFileSync(SAMPLE_MANIFEST_PATH, 'utf8'));
    writeFileSync(
      manifest,
      JSON.stringify({ ...sample, telemetry: { enabled: true, file: 'events.jsonl' } }),
    );
    appendLines(at('events-w1.jsonl'), 0, 2);
    appendLines(at('events-w2.jsonl'), 2, 3);
    const exporter = await startExporter(['--no-state-file', '--manifest', manifest], { cwd: dir });
    running.push(exporter);
    await waitFor(
      () => lines(exporter),
      (n) => n === 5,
    );
    appendLines(at('events-w3.jsonl'), 5, 4);
    await waitFor(
      () => lines(exporter),
      (n) => n === 9,
    );
    const health = (await (await fetch(`http://127.0.0.1:${exporter.port}/health`)).json()) as {
      files: string[];
    };
    expect(health.files).toEqual(['events-w1.jsonl', 'events-w2.jsonl', 'events-w3.jsonl'].map(at));
  });
});
