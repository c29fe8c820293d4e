import type { StatsFs } from 'node:fs';
import { constants } from 'node:fs';
import { access, stat, statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** One named check: resolves to the DESIGN.md error text when unhealthy, undefined when fine. */
export interface HealthCheck {
  name: string;
  run(): Promise<string | undefined>;
}

export const TELEMETRY_NOT_WRITABLE = 'Telemetry file not writable';
export const TELEMETRY_DISK_FULL = 'Telemetry disk full';

/**
 * The fraction (0..1) of the file system holding `path` that unprivileged users may still
 * write, from statfs(2) (`df`'s "Avail" over "Size").
 *
 * @example
 * const free = await diskFreeRatio('telemetry.jsonl'); // e.g. 0.42
 */
export async function diskFreeRatio(path: string): Promise<number> {
  const info = await statfs(await existingAncestor(resolve(path)));
  return info.blocks > 0 ? info.bavail / info.blocks : 0;
}

/** The path itself, or its nearest ancestor that exists (a file not created yet has none). */
async function existingAncestor(path: string): Promise<string> {
  for (let current = path; ; current = dirname(current)) {
    try {
      await stat(current);
      return current;
    } catch (error) {
      if (dirname(current) === current) throw error;
    }
  }
}

export interface TelemetryWritableCheckOptions {
  /** Unhealthy below this free fraction. Default 0.01 (1%). */
  minFreeRatio?: number;
  /** Unhealthy below this many free bytes. Default 10 MB. */
  minFreeBytes?: number;
  /** Injectable for tests: statfs(2). */
  statfs?: (path: string) => Promise<Pick<StatsFs, 'bavail' | 'blocks' | 'bsize'>>;
  /**
   * The writer of this file: while it is losing events (`gap` set) the check fails whatever the
   * file system says, until a line lands again.
   */
  writer?: { readonly gap: { readonly reason: string } | undefined };
}

/**
 * Health check `telemetry`: the telemetry file can be written (the file if it exists, else the
 * nearest existing directory that would hold it, via access(2) W_OK) and its disk is not full
 * (less than 1% or 10 MB available), and its `writer`, if given, is not losing events. Reports
 * `Telemetry file not writable` or `Telemetry disk full` (also when the writer's last failure
 * was ENOSPC or EDQUOT).
 *
 * @example
 * const problem = await telemetryWritableCheck('telemetry.jsonl').run(); // undefined when fine
 */
export function telemetryWritableCheck(
  file: string,
  {
    minFreeRatio = 0.01,
    minFreeBytes = 10 * 1024 * 1024,
    statfs: statFileSystem = statfs,
    writer,
  }: TelemetryWritableCheckOptions = {},
): HealthCheck {
  const path = resolve(file);
  return {
    name: 'telemetry',
    async run() {
      const failing = writer?.gap;
      if (failing !== undefined) {
        return /^(ENOSPC|EDQUOT)\b/.test(failing.reason)
          ? TELEMETRY_DISK_FULL
          : TELEMETRY_NOT_WRITABLE;
      }
      let target: string;
      try {
        target = await existingAncestor(path);
        await access(target, constants.W_OK);
        if (target !== path && !(await stat(target)).isDirectory()) return TELEMETRY_NOT_WRITABLE;
      } catch {
        return TELEMETRY_NOT_WRITABLE;
      }
      const info = await statFileSystem(target);
      const ratio = info.blocks > 0 ? info.bavail / info.blocks : 0;
      if (ratio < minFreeRatio || info.bavail * info.bsize < minFreeBytes) {
        return TELEMETRY_DISK_FULL;
      }
      return undefined;
    },
  };
}
