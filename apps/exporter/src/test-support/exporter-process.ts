import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BUILT_EXPORTER = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface ExporterProcess {
  child: ChildProcess;
  port: number;
  stderr: () => string;
  metrics(): Promise<string>;
  /** Value of one unlabeled series, or the sum of a labeled metric's series. */
  value(name: string): Promise<number>;
  /** Resolves with the exit code/signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the built exporter on a free port (`--port 0`) and waits for its "listening" line. */
export async function startExporter(
  args: string[],
  { cwd, env }: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ExporterProcess> {
  if (!existsSync(BUILT_EXPORTER)) {
    throw new Error(
      `${BUILT_EXPORTER} is missing: run pnpm exec turbo run build --filter=@eventkit/exporter...`,
    );
  }
  const child = spawn(process.execPath, [BUILT_EXPORTER, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd,
    env: env ?? process.env,
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
      const match = stderr.match(/metrics on http:\/\/[^:]+:(\d+)\/metrics/);
      if (match) resolve(Number(match[1]));
    });
    void exited.then(({ code }) =>
      reject(new Error(`exporter exited (${code}) before listening:\n${stderr}`)),
    );
  });
  const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return {
    child,
    port,
    stderr: () => stderr,
    metrics,
    async value(name) {
      const text = await metrics();
      let total = 0;
      for (const line of text.split('\n')) {
        if (line.startsWith(`${name}{`) || line.startsWith(`${name} `))
          total += Number(line.split(' ').pop());
      }
      return total;
    },
    exited,
  };
}

/** Polls `read` until `done` holds for its value; the caller's test timeout bounds the wait. */
export async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  everyMs = 50,
): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
