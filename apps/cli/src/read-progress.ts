import { open, stat } from 'node:fs/promises';
import type { CliContext } from './context.js';
import { createProgress } from './progress.js';

/** Reads below this size finish before a bar would be worth drawing. */
const MIN_BYTES_FOR_PROGRESS = 32 * 1024 * 1024;
/** Typical gzip ratio of telemetry JSONL, to estimate the lines inside archives. */
const GZIP_RATIO = 8;

/**
 * A line-count progress bar for a read over `files`, driven by a `lines()` probe (the reader's
 * stats). The total is an estimate from the files' sizes and the mean line length of a 64 KB
 * sample, so the bar is shown with `~`. Returns a stop function; a no-op off a terminal.
 */
export async function trackReadProgress(
  ctx: CliContext,
  files: readonly string[],
  lines: () => number,
): Promise<() => void> {
  if (ctx.stderr.isTTY !== true) return () => {};
  const sizes = await Promise.all(
    files.map((file) =>
      stat(file).then(
        (s) => s.size,
        () => 0,
      ),
    ),
  );
  const plain = files.reduce(
    (sum, file, i) => sum + (file.endsWith('.gz') ? 0 : (sizes[i] ?? 0)),
    0,
  );
  const gz = files.reduce((sum, file, i) => sum + (file.endsWith('.gz') ? (sizes[i] ?? 0) : 0), 0);
  const expandedBytes = plain + gz * GZIP_RATIO;
  if (expandedBytes < MIN_BYTES_FOR_PROGRESS) return () => {};
  const sample = files.find((file) => !file.endsWith('.gz'));
  const bytesPerLine = sample ? await meanLineLength(sample) : 200;
  const total = Math.max(1, Math.round(expandedBytes / bytesPerLine));
  const bar = createProgress(ctx, { label: 'reading', total, unit: 'lines (~)' });
  const timer = setInterval(() => bar.update(Math.min(lines(), total)), 200);
  timer.unref();
  return () => {
    clearInterval(timer);
    bar.stop();
  };
}

async function meanLineLength(file: string): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    let newlines = 0;
    for (let i = 0; i < bytesRead; i += 1) if (buffer[i] === 10) newlines += 1;
    return newlines > 0 ? bytesRead / newlines : 200;
  } finally {
    await handle.close();
  }
}
