import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EventKitError } from '@eventkit/core/telemetry';
import { type ArchiveManifest, MANIFEST_NAME } from './archive-manifest.js';

const LOCK_NAME = '.eventkit-archive.lock';
export const STAGING_PREFIX = '.staging-';

/**
 * One `archive` run at a time per directory (a cron run that overlaps the previous one would
 * archive the same lines twice). A lock left by a killed run is taken over.
 */
export async function lockArchiveDir(dir: string): Promise<() => Promise<void>> {
  const lock = path.join(dir, LOCK_NAME);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lock, `${process.pid}\n`, { flag: 'wx' });
      return () => rm(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
      throw new EventKitError(
        'WRITE_FAILED',
        `${dir}: another eventkit archive (pid ${pid}) is writing here; run again when it has finished`,
      );
    }
    await rm(lock, { force: true });
  }
  throw new EventKitError('WRITE_FAILED', `${dir}: cannot take ${LOCK_NAME}; remove it and retry`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes what a killed run left: its staging directory, Parquet files it renamed into place
 * before it could record them, and a manifest it did not finish writing. The manifest is the
 * truth; a file it does not list holds rows the manifest still counts as not archived.
 */
export async function removeUnlisted(dir: string, manifest: ArchiveManifest): Promise<number> {
  const listed = new Set(manifest.files.map((file) => file.path));
  let removed = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name.startsWith(STAGING_PREFIX)) {
      await rm(path.join(dir, entry.name), { recursive: true, force: true });
    } else if (entry.isFile() && entry.name.startsWith(`${MANIFEST_NAME}.`)) {
      await rm(path.join(dir, entry.name), { force: true });
    } else if (entry.isDirectory() && entry.name.startsWith('date=')) {
      for (const file of await readdir(path.join(dir, entry.name))) {
        const relative = `${entry.name}/${file}`;
        if (file.endsWith('.parquet') && !listed.has(relative)) {
          await rm(path.join(dir, relative), { force: true });
          removed++;
        }
      }
    }
  }
  return removed;
}

/** The Parquet files DuckDB wrote under `staged` (`date=…/…parquet`), relative to it. */
export async function listStaged(staged: string): Promise<string[]> {
  const files: string[] = [];
  await mkdir(staged, { recursive: true });
  for (const partition of (await readdir(staged)).sort()) {
    if (!partition.startsWith('date=')) continue;
    for (const file of (await readdir(path.join(staged, partition))).sort()) {
      if (file.endsWith('.parquet')) files.push(`${partition}/${file}`);
    }
  }
  return files;
}
