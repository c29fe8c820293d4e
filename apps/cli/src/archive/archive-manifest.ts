import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EventKitError } from '@eventkit/core/telemetry';
import { fingerprint } from './source-lines.js';

/**
 * The archive's record of what it holds. The leading underscore makes Spark, Trino, DuckDB and
 * other Hive-style readers skip it when they read the directory.
 */
export const MANIFEST_NAME = '_eventkit_archive.json';

/** One telemetry file's content, however it is named now (live, rotated or gzipped). */
export interface ArchivedSource {
  /** sha256 of the first `fingerprint_bytes` decompressed bytes. */
  fingerprint: string;
  fingerprint_bytes: number;
  /** Decompressed bytes archived, ending at a line end. */
  bytes: number;
  lines: number;
  rows: number;
  malformed: number;
  /** The whole content is archived (a `.gz` archive: nothing can be appended to it). */
  complete: boolean;
  /** Where it was last read, for people reading the manifest. */
  path: string;
}

export interface ArchivedFile {
  /** Relative to the archive directory: `date=YYYY-MM-DD/<name>.parquet`. */
  path: string;
  rows: number;
}

export interface ArchiveManifest {
  version: 1;
  sources: ArchivedSource[];
  files: ArchivedFile[];
}

export async function readArchiveManifest(dir: string): Promise<ArchiveManifest> {
  const file = path.join(dir, MANIFEST_NAME);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { version: 1, sources: [], files: [] };
    }
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badManifest(file, 'is not valid JSON');
  }
  const manifest = parsed as Partial<ArchiveManifest> | null;
  if (manifest?.version !== 1) throw badManifest(file, 'has no "version": 1');
  if (!Array.isArray(manifest.sources) || !Array.isArray(manifest.files)) {
    throw badManifest(file, 'needs "sources" and "files" arrays');
  }
  return manifest as ArchiveManifest;
}

/** Written to a temporary name, then renamed: a reader sees the old manifest or the new one. */
export async function writeArchiveManifest(dir: string, manifest: ArchiveManifest): Promise<void> {
  const file = path.join(dir, MANIFEST_NAME);
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(temp, file);
}

/** The manifest's entry for the content that starts with `head`, if it has one. */
export function findSource(
  manifest: ArchiveManifest,
  head: Buffer,
): { source: ArchivedSource; index: number } | undefined {
  const hashes = new Map<number, string>();
  for (const [index, source] of manifest.sources.entries()) {
    if (source.fingerprint_bytes > head.length) continue;
    let hash = hashes.get(source.fingerprint_bytes);
    if (hash === undefined) {
      hash = fingerprint(head, source.fingerprint_bytes);
      hashes.set(source.fingerprint_bytes, hash);
    }
    if (hash === source.fingerprint) return { source, index };
  }
  return undefined;
}

function badManifest(file: string, what: string): EventKitError {
  return new EventKitError(
    'INVALID_MANIFEST',
    `${file} ${what}: it is not an eventkit archive manifest (restore it, or archive into a new directory)`,
  );
}
