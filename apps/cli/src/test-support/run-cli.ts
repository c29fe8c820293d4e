import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { formatTelemetryLine, type TelemetryEvent } from '@eventkit/core/telemetry';
import { onTestFinished } from 'vitest';

/** The built binary: tests exercise exactly what operators run. */
export const CLI = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const PYTHON_FIXTURE = path.join(
  REPO_ROOT,
  'fixtures/python-eventkit/python-eventkit-telemetry.jsonl',
);
export const PYTHON_MANIFEST = path.join(
  REPO_ROOT,
  'fixtures/python-eventkit/python-eventkit-agent.json',
);

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Standard input (bytes for gzip); empty by default. */
  input?: string | Buffer;
}

/** Runs `node dist/main.js …` to completion. NO_COLOR keeps output plain unless a test asks. */
export function runCli(args: string[], { cwd, env = {}, input }: RunOptions): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // A command that fails before reading its input (usage errors) closes the pipe early.
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/** Runs Debian's jq (the seed's one-liners) and returns its stdout. */
export function jq(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('jq', args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
}

/** Runs a shell pipeline (the seed's jq | sort | uniq -c forms). */
export function sh(script: string, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('/bin/sh', ['-c', script], { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
}

/** A fresh temp directory and its removal, for set-up shared by a file's tests (`beforeAll`). */
export async function createTempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'eventkit-cli-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A fresh temp directory for the current test (or the test a `beforeEach` runs for), removed when it finishes. */
export async function tempDir(): Promise<string> {
  const { dir, cleanup } = await createTempDir();
  onTestFinished(cleanup);
  return dir;
}

const ACTIONS = [
  'recommend',
  'recommend',
  'recommend',
  'explain',
  'explain',
  'export',
  'unauthorized',
];

/**
 * `count` deterministic events from `startTs`, one per `stepSeconds`: mixed actions, about 7%
 * failures, latencies with one decimal between 0.5 and ~250 ms (a few above 100 ms).
 */
export function makeEvents(
  count: number,
  startTs: number,
  stepSeconds = 1,
  seed = 1,
): TelemetryEvent[] {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  return Array.from({ length: count }, (_, i) => {
    const action = ACTIONS[Math.floor(random() * ACTIONS.length)] as string;
    const success = action !== 'unauthorized' && random() > 0.05;
    const slow = random() < 0.04;
    const latency = Math.round((slow ? 100 + random() * 150 : 0.5 + random() * 40) * 10) / 10;
    return {
      ts: Math.round((startTs + i * stepSeconds) * 1000) / 1000,
      action,
      success,
      latency_ms: latency,
      payload: { interests_count: 1 + (i % 4), top: 3, source: 'manifest' },
      error: success ? null : action === 'unauthorized' ? 'unauthorized' : 'internal error',
      trace_id: (i + seed * 1_000_000).toString(16).padStart(32, '0'),
    };
  });
}

export function toJsonl(events: readonly TelemetryEvent[]): string {
  return events.map((event) => formatTelemetryLine(event)).join('');
}

/** Writes events as JSONL (or gzipped JSONL for a `.gz` name). */
export async function writeEvents(
  file: string,
  events: readonly TelemetryEvent[],
  extra = '',
): Promise<void> {
  const text = toJsonl(events) + extra;
  await writeFile(file, file.endsWith('.gz') ? gzipSync(text) : text);
}

/**
 * jq's view of the valid events of a file that may hold malformed lines (plain jq stops at the
 * first bad line): each line parsed on its own, kept when it has the schema's required fields.
 */
export const JQ_VALID_EVENTS =
  'fromjson? | objects | select((.ts|type)=="number" and (.action|type)=="string" and .action != "" and (.success|type)=="boolean" and (.latency_ms|type)=="number" and .latency_ms >= 0)';
