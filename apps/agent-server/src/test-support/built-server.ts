import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { tempDir } from './temp-dir.js';

export const APP_ROOT = path.resolve(import.meta.dirname, '../..');
export const MAIN = path.join(APP_ROOT, 'dist/main.js');

export interface BuiltServer {
  proc: ChildProcess;
  port: number;
  url: string;
  dir: string;
  stderr: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A clean environment: no API_TOKEN, OTEL_* or GRAPH_* leaking in from the developer's shell. */
export function baseEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'TZ', 'LANG']) {
    if (process.env[key] !== undefined) env[key] = process.env[key];
  }
  return {
    ...env,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_FILE: path.join(dir, 'agent.log'),
    EVENTKIT_PROFILES: path.join(dir, 'profiles.json'),
    RATE_LIMIT_PER_MINUTE: '0',
    ...extra,
  };
}

/** Runs `node dist/main.js` to completion (for start-up failures and --help). */
export function runBuilt(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [MAIN, ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    proc.on('error', reject);
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Starts the BUILT server (`node dist/main.js`) on a free port in a temp working directory. One
 * still running when the test finishes is killed (SIGKILL) before its directory is removed.
 */
export async function startBuilt(
  extraEnv: Record<string, string> = {},
  args: string[] = [],
  dir = tempDir('eventkit-server-e2e-'),
): Promise<BuiltServer> {
  if (!existsSync(MAIN))
    throw new Error(`${MAIN} is missing: build first (turbo runs build before test)`);
  const proc = spawn(process.execPath, [MAIN, ...args], {
    cwd: dir,
    env: baseEnv(dir, extraEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  const stop = (signal: NodeJS.Signals = 'SIGTERM') => {
    if (proc.exitCode === null) proc.kill(signal);
    return exited;
  };
  onTestFinished(async () => {
    await stop('SIGKILL');
  });
  const port = await new Promise<number>((resolve, reject) => {
    proc.stderr?.on('data', (chunk) => {
      stderr += chunk;
      const match = /Serving HTTP on port (\d+)/.exec(stderr);
      if (match) resolve(Number(match[1]));
    });
    void exited.then((code) =>
      reject(new Error(`server exited with ${code} before listening:\n${stderr}`)),
    );
  });
  return {
    proc,
    port,
    url: `http://127.0.0.1:${port}`,
    dir,
    stderr: () => stderr,
    exited,
    stop,
  };
}
