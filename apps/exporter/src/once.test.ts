import { spawnSync } from 'node:child_process';
import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILT_EXPORTER } from './test-support/exporter-process.js';
import { appendLines, gzipInPlace, tempDir } from './test-support/telemetry-files.js';

// `event-agent-exporter --once`, the built binary as CI runs it: read, print, exit.

let dir: string;
let cleanup: () => void;
let file: string;

beforeEach(() => {
  ({ dir, cleanup } = tempDir('exporter-once-'));
  file = join(dir, 'telemetry.jsonl');
});
afterEach(() => cleanup());

function once(args: string[]) {
  return spawnSync(process.execPath, [BUILT_EXPORTER, '--once', ...args], { encoding: 'utf8' });
}

const sample = (text: string, series: string) =>
  text.split('\n').find((line) => line.startsWith(`${series} `));

/** Two archives (one compressed), the live file, a failure and a gap record: 9 requests, 4 dropped. */
function writeHistory(): void {
  appendLines(`${file}.2`, 0, 3);
  gzipInPlace(`${file}.2`);
  appendLines(`${file}.1`, 3, 3);
  appendLines(file, 6, 3);
  appendFileSync(
    file,
    '{"ts":1732540009,"action":"telemetry_gap","success":false,"latency_ms":0,"payload":{"dropped":4},"error":"ENOSPC"}\n',
  );
}

describe('event-agent-exporter --once', () => {
  it('prints the text exposition of the files and their archives, exits 0 and writes no state file', () => {
    writeHistory();
    const result = once(['--file', file]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(sample(result.stdout, 'event_agent_requests_total{action="recommend"}')).toMatch(/ 9$/);
    expect(sample(result.stdout, 'event_agent_exporter_lines_total')).toMatch(/ 10$/);
    expect(sample(result.stdout, 'event_agent_telemetry_dropped_total')).toMatch(/ 4$/);
    expect(result.stdout).not.toContain('trace_id');
    expect(readdirSync(dir).sort()).toEqual([
      'telemetry.jsonl',
      'telemetry.jsonl.1',
      'telemetry.jsonl.2.gz',
    ]);
  });

  it('prints OpenMetrics, exemplars included, with --openmetrics', () => {
    writeHistory();
    const result = once(['--openmetrics', '--file', file]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /^event_agent_latency_seconds_bucket\{action="recommend",le="0\.025"\} 9 # \{trace_id="0{31}8"\} 0\.0125 1732540000\.008$/m,
    );
    expect(result.stdout.endsWith('# EOF\n')).toBe(true);
  });

  it("passes promtool check metrics in the exporter's own families, per-file lag included", () => {
    writeHistory();
    appendLines(join(dir, 'telemetry-w2.jsonl'), 20, 3);
    const result = once(['--file', join(dir, 'telemetry*.jsonl')]);
    expect(result.stdout).toContain('# TYPE event_agent_exporter_file_lag_bytes gauge');
    const check = spawnSync('promtool', ['check', 'metrics'], {
      input: result.stdout,
      encoding: 'utf8',
    });
    expect(check.error).toBeUndefined();
    const problems = `${check.stdout}${check.stderr}`.split('\n').filter(Boolean);
    // prom-client's process metrics keep prom-client's names (a gauge named nodejs_*_total).
    expect(problems.filter((line) => !line.startsWith('nodejs_'))).toEqual([]);
    expect(result.stdout).toContain('# TYPE process_cpu_seconds_total counter');
  });

  it('reads every file a quoted glob matches, each with its archives, and prints one set of series', () => {
    writeHistory();
    appendLines(join(dir, 'telemetry-w2.jsonl.1'), 20, 2);
    appendLines(join(dir, 'telemetry-w2.jsonl'), 22, 3);
    const result = once(['--file', join(dir, 'telemetry*.jsonl')]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(sample(result.stdout, 'event_agent_requests_total{action="recommend"}')).toMatch(/ 14$/);
    expect(sample(result.stdout, 'event_agent_exporter_files')).toMatch(/ 2$/);
    expect(result.stdout).toContain(
      'event_agent_exporter_file_lag_bytes{file="telemetry-w2.jsonl"} 0\n',
    );
    expect(result.stdout).not.toMatch(/instance=/);
  });

  it('exits 3 with one line when a glob matches no file', () => {
    const pattern = join(dir, 'telemetry*.jsonl');
    const result = once(['--file', pattern]);
    expect(result.status).toBe(3);
    expect(result.stderr.trim().split('\n')).toEqual([
      `event-agent-exporter: ${pattern}: no file matches this pattern; check the path (quote globs so the shell does not expand them)`,
    ]);
  });

  it('exits 3 with one line when a file does not exist', () => {
    const result = once(['--file', join(dir, 'missing.jsonl')]);
    expect(result.status).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      `event-agent-exporter: ${join(dir, 'missing.jsonl')}: no such telemetry file; pass the agent's telemetry file with --file`,
    ]);
  });

  it.each([
    [['--once', '--port', '9999']],
    [['--once', '--state-file', 'state.json']],
    [['--openmetrics']],
  ])('refuses %j as a usage error (exit 2)', (args) => {
    const result = spawnSync(process.execPath, [BUILT_EXPORTER, ...args, '--file', file], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--help');
  });

  it.each([[['--help']], [['--once']]])(
    'stops quietly when its reader closes the pipe early (%j | head -1)',
    (args) => {
      appendLines(file, 0, 3);
      const result = spawnSync(
        '/bin/sh',
        [
          '-c',
          `"${process.execPath}" "${BUILT_EXPORTER}" "$@" --file "${file}" | head -c 1`,
          'sh',
          ...args,
        ],
        { encoding: 'utf8' },
      );
      expect(result.stdout).toHaveLength(1);
      expect(result.stderr).toBe('');
    },
  );
});
