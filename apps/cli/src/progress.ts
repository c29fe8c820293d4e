import { SingleBar } from 'cli-progress';
import type { CliContext } from './context.js';

export interface Progress {
  update(value: number, total?: number): void;
  stop(): void;
}

const NO_PROGRESS: Progress = { update() {}, stop() {} };

export interface ProgressOptions {
  label: string;
  total: number;
  /** How `value/total` reads, e.g. `MB` or `lines`. */
  unit: string;
}

/**
 * A progress bar on stderr, only when stderr is a terminal (never in pipes, cron or CI), so
 * stdout stays clean for `--json` and JSONL.
 */
export function createProgress(ctx: CliContext, options: ProgressOptions): Progress {
  if (ctx.stderr.isTTY !== true) return NO_PROGRESS;
  const stream = ctx.stderr as unknown as NodeJS.WriteStream;
  const bar = new SingleBar({
    stream,
    format: `${options.label} [{bar}] {percentage}% | {value}/{total} ${options.unit} | {duration_formatted}`,
    barsize: 30,
    hideCursor: false,
    clearOnComplete: true,
    etaBuffer: 20,
  });
  bar.start(options.total, 0);
  return {
    update(value, total) {
      if (total !== undefined) bar.setTotal(total);
      bar.update(value);
    },
    stop() {
      bar.stop();
    },
  };
}

/**
 * A one-line status with elapsed time, for reads whose progress cannot be measured (the
 * multi-threaded summary); on stderr and only on a terminal, cleared when done.
 */
export function createStatusLine(ctx: CliContext, label: string): { stop(): void } {
  if (ctx.stderr.isTTY !== true) return NO_PROGRESS;
  const bar = new SingleBar({
    stream: ctx.stderr as unknown as NodeJS.WriteStream,
    format: `${label} {duration_formatted}`,
    hideCursor: false,
    clearOnComplete: true,
  });
  bar.start(1, 0);
  return { stop: () => bar.stop() };
}
