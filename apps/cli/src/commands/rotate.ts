import { stat } from 'node:fs/promises';
import path from 'node:path';
import { EventKitError, rotateFile } from '@eventkit/core';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { defaultTelemetryFile, displayPath } from '../input-files.js';
import { formatSize } from '../sizes.js';

export interface RotateFlags {
  maxSize: number;
  keepDays: number;
  compress: boolean;
  json?: boolean;
  manifest?: string;
}

/**
 * `eventkit rotate`: the seed's rotate_logs.sh through core's rotateFile (rename, gzip, delete
 * archives older than --keep-days); safe from cron while the agent appends.
 */
export async function runRotate(
  ctx: CliContext,
  args: string[],
  flags: RotateFlags,
): Promise<number> {
  const files =
    args.length > 0
      ? args.map((file) => path.resolve(ctx.cwd, file))
      : [await defaultTelemetryFile(ctx.cwd, flags.manifest)];
  const results = [];
  for (const file of files) {
    const info = await stat(file).catch(() => undefined);
    if (info && !info.isFile()) {
      throw new EventKitError(
        'UNREADABLE_INPUT',
        `${displayPath(file, ctx.cwd)} is not a regular file; pass the telemetry or log file to rotate`,
      );
    }
    const size = info?.size;
    const result = await rotateFile(file, {
      maxSizeBytes: flags.maxSize,
      keepDays: flags.keepDays,
      compress: flags.compress,
      now: ctx.now,
    });
    const label = displayPath(file, ctx.cwd);
    results.push({ file: label, size_bytes: size ?? null, ...result });
    if (flags.json) continue;
    if (size === undefined) {
      ctx.stdout.write(`${label}: not found, nothing to rotate\n`);
    } else if (result.rotatedTo) {
      ctx.stdout.write(
        `${label}: ${formatSize(size)} > ${formatSize(flags.maxSize)}, rotated to ${displayPath(result.rotatedTo, ctx.cwd)}\n`,
      );
    } else {
      ctx.stdout.write(
        `${label}: ${formatSize(size)}, within ${formatSize(flags.maxSize)}; not rotated\n`,
      );
    }
    for (const archive of result.compressed)
      ctx.stdout.write(`  compressed ${displayPath(archive, ctx.cwd)}\n`);
    for (const archive of result.deleted) {
      ctx.stdout.write(
        `  deleted ${displayPath(archive, ctx.cwd)} (older than ${flags.keepDays} days)\n`,
      );
    }
  }
  if (flags.json) ctx.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  return EXIT.ok;
}
