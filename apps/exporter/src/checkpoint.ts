import { open, readFile, rename, unlink } from 'node:fs/promises';
import { EventKitError, type FilePosition } from '@eventkit/core/telemetry';
import type { TallySnapshot } from './tally.js';

/** What the state file holds: positions and counters captured at the same instant. */
export interface Checkpoint {
  version: 1;
  savedAt: string;
  files: Record<string, FilePosition>;
  tally: TallySnapshot;
}

const isMissing = (error: unknown) =>
  (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

/** Reads the state file; undefined when there is none yet. A corrupt one is an error, not a silent reset. */
export async function readCheckpoint(path: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw new EventKitError('UNREADABLE_INPUT', `${path}: cannot read the exporter state file`, {
      cause: error,
    });
  }
  let parsed: Partial<Checkpoint>;
  try {
    parsed = JSON.parse(text) as Partial<Checkpoint>;
  } catch (error) {
    throw new EventKitError(
      'UNREADABLE_INPUT',
      `${path}: the exporter state file is not valid JSON; move it away to start counting afresh`,
      { cause: error },
    );
  }
  if (
    parsed.version !== 1 ||
    typeof parsed.files !== 'object' ||
    typeof parsed.tally !== 'object'
  ) {
    throw new EventKitError(
      'UNREADABLE_INPUT',
      `${path}: not an exporter state file (version 1); move it away to start counting afresh`,
    );
  }
  return parsed as Checkpoint;
}

/**
 * Writes the state file atomically: a temporary file, fsync'd, renamed over the old one. A crash
 * at any point leaves either the previous or the new checkpoint, never a torn one.
 */
export async function writeCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(checkpoint)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
}
