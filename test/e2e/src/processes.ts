import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';

/** A child process the drill started, with its output captured to a file and in memory. */
export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  readonly exited: Promise<number | NodeJS.Signals>;
  /** Everything written to stderr so far (bounded to the last 256 KiB). */
  stderr(): string;
  /** Everything written to stdout so far (bounded to the last 256 KiB). */
  stdout(): string;
  readonly alive: boolean;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Also append the output here (kept for the report). */
  logFile?: string;
  /**
   * What `killAll()` sends it (default: killAll's signal). nginx's master gets SIGTERM, which
   * stops its workers too: a SIGKILLed master would leave them holding the port.
   */
  killSignal?: NodeJS.Signals;
}

const KEEP_BYTES = 256 * 1024;

/**
 * Tracks every child so that nothing the drill started outlives it: `killAll()` runs on normal
 * completion, on an error, and (installed by the CLI) on SIGINT/SIGTERM and process exit.
 */
export function createProcessGroup() {
  const children = new Set<Child>();
  const killSignals = new WeakMap<Child, NodeJS.Signals>();

  function start({ name, command, args, env, cwd, logFile, killSignal }: SpawnOptions): Child {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const sink = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out = (out + chunk).slice(-KEEP_BYTES);
      sink?.write(chunk);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      err = (err + chunk).slice(-KEEP_BYTES);
      sink?.write(chunk);
    });
    let alive = true;
    const exited = new Promise<number | NodeJS.Signals>((resolve) => {
      child.once('error', (error) => {
        err += `\n${name}: ${error.message}`;
        alive = false;
        sink?.end();
        resolve(127);
      });
      child.once('exit', (code, signal) => {
        alive = false;
        sink?.end();
        resolve(code ?? signal ?? 1);
      });
    });
    const handle: Child = {
      name,
      process: child,
      exited,
      stderr: () => err,
      stdout: () => out,
      get alive() {
        return alive;
      },
    };
    children.add(handle);
    if (killSignal) killSignals.set(handle, killSignal);
    void exited.then(() => children.delete(handle));
    return handle;
  }

  /** Synchronous, so it can run from an 'exit' handler. */
  function killAll(signal: NodeJS.Signals = 'SIGKILL'): void {
    for (const child of children) {
      if (child.alive) child.process.kill(killSignals.get(child) ?? signal);
    }
  }

  return { start, killAll, children };
}

export type ProcessGroup = ReturnType<typeof createProcessGroup>;

/** Sends `signal` and waits for the exit, escalating to SIGKILL after `graceMs`. */
export async function stopChild(
  child: Child,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 15_000,
): Promise<number | NodeJS.Signals> {
  if (!child.alive) return child.exited;
  child.process.kill(signal);
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
  try {
    return await child.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** A port that was free a moment ago on `host` (any address of the loopback 127.0.0.0/8). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns a value other than undefined, or fails with `what` after
 * `timeoutMs` (or as soon as `child` has exited, with its stderr).
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  {
    timeoutMs = 20_000,
    intervalMs = 100,
    child,
  }: { timeoutMs?: number; intervalMs?: number; child?: Child } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && !child.alive) {
      throw new Error(`${what}: ${child.name} exited early:\n${child.stderr().slice(-2000)}`);
    }
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${what}: timed out after ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/** GET a URL on 127.0.0.1 with a timeout; resolves with status and body text. */
export async function httpGet(
  url: string,
  { timeoutMs = 2000, headers }: { timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers });
  return { status: response.status, text: await response.text() };
}
