import { open, readFile, rename, unlink } from 'node:fs/promises';
import { EventKitError, type FilePosition } from '@eventkit/core/telemetry';
import type { TallySnapshot } from './tally.js';

/** How a follower that has not read anything yet begins (its `from` and `backfill`). */
export interface FileStart {
  from: 'start' | 'end';
  backfill: boolean;
}

/**
 * One followed file: where reading stands, or, before its follower has taken its start, the start
 * it will take. Keeping the start means a restart in the middle of a catch-up begins a file not
 * yet reached exactly as the interrupted run would have.
 */
export type FileEntry = { position: FilePosition } | { start: FileStart };

/** What the state file holds: positions and counters captured at the same instant. */
export interface Checkpoint {
  version: 2;
  savedAt: string;
  /** Keyed by absolute path: every file followed, each file's own entry. */
  files: Record<string, FileEntry>;
  tally: TallySnapshot;
}

/** The state file the exporter wrote before it followed patterns: a bare position per file. */
interface CheckpointV1 {
  version: 1;
  savedAt: string;
  files: Record<string, FilePosition>;
  tally: TallySnapshot;
}

const isMissing = (error: unknown) =>
  (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Version 1 held the same positions, without entries for files not started yet: none are lost. */
function migrate(v1: CheckpointV1): Checkpoint {
  const files: Record<string, FileEntry> = {};
  for (const [file, position] of Object.entries(v1.files)) files[file] = { position };
  return { version: 2, savedAt: v1.savedAt, files, tally: v1.tally };
}

/**
 * Reads the state file, migrating one written by an older exporter; undefined when there is none
 * yet. A corrupt one is an error, not a silent reset.
 */
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
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new EventKitError(
      'UNREADABLE_INPUT',
      `${path}: the exporter state file is not valid JSON; move it away to start counting afresh`,
      { cause: error },
    );
  }
  if (isObject(parsed) && isObject(parsed.files) && isObject(parsed.tally)) {
    if (parsed.version === 2) return parsed as unknown as Checkpoint;
    if (parsed.version === 1) return migrate(parsed as unknown as CheckpointV1);
  }
  throw new EventKitError(
    'UNREADABLE_INPUT',
    `${path}: not an exporter state file (version 1 or 2); move it away to start counting afresh`,
  );
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

/**
 * The state file of the one file found at start that has one, read in place of the missing
 * `stateFile` (it is written there from the next checkpoint on); undefined when none or several do.
 */
export async function takeOverStateFile(
  found: readonly string[],
  formerStateFile: (file: string) => string,
  stateFile: string,
  warn: (message: string) => void,
): Promise<Checkpoint | undefined> {
  const former: Array<[path: string, checkpoint: Checkpoint]> = [];
  for (const file of found) {
    const path = formerStateFile(file);
    const checkpoint = path === stateFile ? undefined : await readCheckpoint(path);
    if (checkpoint) former.push([path, checkpoint]);
  }
  const [only, ...others] = former;
  if (!only) return undefined;
  if (others.length > 0) {
    warn(
      `several state files (${former.map(([path]) => path).join(', ')}) and none at ${stateFile}: counting afresh; pass the one to continue with --state-file`,
    );
    return undefined;
  }
  warn(`${only[0]}: continuing its counts; the state is kept in ${stateFile} from now on`);
  return only[1];
}
