import path from 'node:path';
import { colorsFor } from '../colors.js';
import type { CliContext } from '../context.js';
import { renderDashboard } from '../dashboard/render.js';
import { takeSnapshot } from '../dashboard/snapshot.js';
import { EXIT } from '../exit-codes.js';
import { defaultTelemetryFiles, displayPath } from '../input-files.js';
import { exactLimitFrom } from '../percentiles.js';

export interface DashboardFlags {
  url: string;
  file?: string;
  /** Seconds between refreshes. */
  interval: number;
  once?: boolean;
  manifest?: string;
}

const ENTER = '\x1b[?1049h\x1b[?25l\x1b[?7l';
const LEAVE = '\x1b[?7h\x1b[?25h\x1b[?1049l';

/**
 * `eventkit dashboard`: the seed's dashboard.sh, live. On a terminal it draws in the alternate
 * screen and redraws in place every --interval seconds until `q` (or Ctrl-C); elsewhere, or with
 * --once, it prints one frame.
 */
export async function runDashboard(ctx: CliContext, flags: DashboardFlags): Promise<number> {
  // Like the other analysis commands: without --file, every instance's file on the host.
  const files = flags.file
    ? [path.resolve(ctx.cwd, flags.file)]
    : await defaultTelemetryFiles(ctx.cwd, flags.manifest);
  const [first = '', ...others] = files.map((file) => displayPath(file, ctx.cwd));
  const fileLabel =
    others.length === 0 ? first : `${first} + ${others.length} more (${others.join(', ')})`;
  const exactLimit = exactLimitFrom(ctx.env);
  const interactive = !flags.once && ctx.stdout.isTTY === true && process.stdin.isTTY === true;
  const frame = async () => {
    const snapshot = await takeSnapshot({
      fetch: ctx.fetch,
      url: flags.url,
      files,
      now: ctx.now(),
      exactLimit,
    });
    return renderDashboard(snapshot, {
      width: ctx.stdout.columns ?? 100,
      height: interactive ? (ctx.stdout.rows ?? 40) : 1000,
      colors: colorsFor(ctx.stdout, ctx.env),
      fileLabel,
      intervalSeconds: flags.interval,
    });
  };
  if (!interactive) {
    ctx.stdout.write(`${(await frame()).join('\n')}\n`);
    return EXIT.ok;
  }

  const signal = ctx.interruptSignal();
  const stop = new AbortController();
  signal.addEventListener('abort', () => stop.abort(), { once: true });
  let wake: (() => void) | undefined;
  const onKey = (key: Buffer) => {
    const text = key.toString();
    if (text === 'q' || text === 'Q' || text === '\x03' || text === '\x1b') stop.abort();
    wake?.();
  };
  const onResize = () => wake?.();
  stop.signal.addEventListener('abort', () => wake?.(), { once: true });
  process.stdin.setRawMode(true);
  process.stdin.resume();
  process.stdin.on('data', onKey);
  process.stdout.on('resize', onResize);
  ctx.stdout.write(ENTER);
  try {
    while (!stop.signal.aborted) {
      const lines = await frame();
      if (stop.signal.aborted) break;
      ctx.stdout.write(`\x1b[H${lines.map((line) => `${line}\x1b[K`).join('\n')}\n\x1b[J`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, flags.interval * 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    ctx.stdout.write(LEAVE);
    process.stdin.off('data', onKey);
    process.stdout.off('resize', onResize);
    process.stdin.setRawMode(false);
    process.stdin.pause();
  }
  return EXIT.ok;
}
