/** Everything a command touches in the outside world, passed in so tests and the dashboard can swap it. */
export interface CliOutput {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

export interface CliContext {
  /** What `-` among FILES reads. */
  stdin: AsyncIterable<Uint8Array>;
  stdout: CliOutput;
  stderr: CliOutput;
  env: Record<string, string | undefined>;
  cwd: string;
  now: () => Date;
  fetch: typeof fetch;
  /**
   * A signal that aborts on SIGINT/SIGTERM, for commands that run until stopped (tail -f,
   * health --watch, dashboard). Only those install the handlers; others die on Ctrl-C as usual.
   */
  interruptSignal: () => AbortSignal;
}

export function createProcessContext(): CliContext {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
    fetch: globalThis.fetch,
    interruptSignal: () => {
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return controller.signal;
    },
  };
}
