import { type FileHandle, open } from 'node:fs/promises';
import { MAX_LINE_BYTES, READ_CHUNK_BYTES } from '../reader/line-framer.js';
import { archiveSpellings, listRotatedFiles } from '../rotation/rotated-files.js';
import {
  FINGERPRINT_BYTES,
  findArchive,
  headOf,
  type Identity,
  isLiveFile,
  isMissing,
  matchesFingerprint,
  readFrom,
  readHead,
  statOrUndefined,
} from './file-identity.js';
import { startOfLastLines } from './last-lines.js';
import { createLineFeed, type DroppedLineReason } from './line-feed.js';

/** Where reading stands in one file: enough to find it again after a restart. */
export interface FilePosition {
  dev: number;
  ino: number;
  /** Base64 of the file's first bytes (up to 256, fewer while the file is short). */
  fingerprint: string;
  /** Byte offset just after the last complete line handed out. */
  offset: number;
}

/** How a follower came to read another file, or the same one from its start. */
export type FileChange = 'rotated' | 'truncated';

export interface FileFollowerOptions {
  file: string;
  /**
   * A complete line, bytes [start, end) of `buf` without its newline. `buf` is reused once the
   * call returns: copy or decode what you keep.
   */
  onLine: (buf: Buffer, start: number, end: number) => void;
  /** A line not handed out: longer than `maxLineBytes`, or a rotated file's unterminated last line. */
  onDroppedLine?: (reason: DroppedLineReason) => void;
  /** Called before the lines of the next file (or of a truncated file from its start). */
  onFileChange?: (change: FileChange) => void;
  /** Resume here (a `position()` saved earlier), reading whatever was rotated since. */
  resume?: FilePosition;
  /**
   * Without `resume`: where to begin in the live file — its start, after its last complete line
   * (only new lines), or that many complete lines before it.
   */
  from?: 'start' | 'end' | { lastLines: number };
  /** Without `resume`: first read every archive (`.gz` included), oldest first. */
  backfill?: boolean;
  /** Bytes per read, at most 1 MiB. */
  chunkBytes?: number;
  /** Longer lines are dropped; at most (and by default) 1 MiB, core's limit for every reader. */
  maxLineBytes?: number;
  warn?: (message: string) => void;
}

export interface FileFollower {
  /** Reads everything new, following rotation and truncation. Never overlaps itself. */
  poll(): Promise<void>;
  /** Where reading stands, consistent with the lines handed out at the moment it is called. */
  position(): FilePosition | undefined;
  /** Stops a poll between two reads and releases the file. */
  close(): Promise<void>;
  /** True once the start position (resume, `from`, backfill) has been taken. */
  readonly started: boolean;
}

interface Source extends Identity {
  handle?: FileHandle;
  /** Bytes read so far: complete lines plus the pending partial line. */
  readPos: number;
}

type OpenSource = Source & { handle: FileHandle };

/** Unwinds a poll when the follower is closed mid-file, without treating the file as finished. */
class FollowerClosed extends Error {}

/**
 * Follows one line-oriented file the way `tail -F` does, handing out every line exactly once:
 * through rename rotation (the old file is finished first, and archives rotated in between are
 * read too, `.gz` included), copytruncate, deletion and re-creation, and the same things happening
 * between a `position()` and a `resume`. A line is handed out once its newline arrives, as bytes,
 * so a multi-byte character split between two reads is never cut. Call `poll()` on a timer.
 *
 * @example
 * const follower = createFileFollower({
 *   file: 'telemetry.jsonl',
 *   from: 'end',
 *   onLine: (buf, start, end) => console.log(buf.toString('utf8', start, end)),
 * });
 * const timer = setInterval(() => void follower.poll(), 250);
 * // later: clearInterval(timer); await follower.close();
 */
export function createFileFollower({
  file,
  onLine,
  onDroppedLine = () => {},
  onFileChange = () => {},
  resume,
  from = 'start',
  backfill = false,
  chunkBytes = READ_CHUNK_BYTES,
  maxLineBytes = MAX_LINE_BYTES,
  warn = () => {},
}: FileFollowerOptions): FileFollower {
  const feed = createLineFeed({ onLine, onDroppedLine, maxLineBytes });
  const readBytes = Math.min(chunkBytes, READ_CHUNK_BYTES);
  /** The file being read; undefined between leaving one file and entering the next. */
  let current: Source | undefined;
  /** Where the last file was left (or the resume position, before the first). */
  let lastPosition = resume;
  /** The file last left: where to look for what was rotated after it. */
  let lastLeft: Identity | undefined = resume && {
    dev: resume.dev,
    ino: resume.ino,
    fingerprint: Buffer.from(resume.fingerprint, 'base64'),
    size: resume.offset,
  };
  /** With no file yet at the first start: the archives that were history then. */
  let archivesAtStart: Set<string> | undefined;
  let started = false;
  let closing = false;
  let running: Promise<void> | undefined;

  function position(): FilePosition | undefined {
    if (!current) return lastPosition;
    return {
      dev: current.dev,
      ino: current.ino,
      fingerprint: current.fingerprint.toString('base64'),
      offset: current.readPos - feed.pendingBytes,
    };
  }

  // Every state change below is synchronous, so a position taken between two awaits always
  // matches exactly the lines handed out.

  /** Takes in bytes just read at `source.readPos` (already in the feed's space when `inPlace`). */
  function consume(source: Source, bytes: Buffer, inPlace: boolean): void {
    const have = source.fingerprint.length;
    if (
      have < FINGERPRINT_BYTES &&
      source.readPos <= have &&
      source.readPos + bytes.length > have
    ) {
      const extra = bytes.subarray(have - source.readPos, FINGERPRINT_BYTES - source.readPos);
      source.fingerprint = Buffer.concat([source.fingerprint, extra]);
    }
    if (inPlace) feed.commit(bytes.length);
    else feed.push(bytes);
    source.readPos += bytes.length;
  }

  /** Finishes the current file: an unterminated last line can never complete, so it is dropped. */
  function leave(): void {
    feed.restart(false);
    lastPosition = position();
    if (current) {
      const { dev, ino, fingerprint, readPos } = current;
      lastLeft = { dev, ino, fingerprint, size: readPos };
    }
    current = undefined;
  }

  function enter(next: Source, change?: FileChange): void {
    if (change) onFileChange(change);
    feed.restart(next.readPos === 0);
    current = next;
  }

  async function drain(source: OpenSource): Promise<void> {
    for (;;) {
      const space = feed.space();
      const { bytesRead } = await source.handle.read(space, 0, readBytes, source.readPos);
      if (bytesRead === 0) return;
      if (closing) throw new FollowerClosed();
      consume(source, space.subarray(0, bytesRead), true);
    }
  }

  async function openLive(startAt: FileFollowerOptions['from'] = 'start') {
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const { dev, ino, size } = await handle.stat();
    const source: Source = { handle, dev, ino, fingerprint: Buffer.alloc(0), readPos: 0 };
    if (startAt !== 'start') {
      const lastLines = startAt === 'end' ? 0 : startAt.lastLines;
      source.readPos = await startOfLastLines(handle, size, lastLines);
      if (source.readPos > 0) source.fingerprint = await headOf(handle);
    }
    return source;
  }

  /** An archive may be compressed (and the plain file removed) at any moment: follow it to `.gz`. */
  async function archiveSource(
    path: string,
    readPos: number,
    saved?: Buffer,
  ): Promise<Source & { path: string }> {
    for (const candidate of archiveSpellings(path)) {
      const info = await statOrUndefined(candidate);
      if (!info) continue;
      const fingerprint = saved ?? (await readHead(candidate).catch(() => Buffer.alloc(0)));
      return { path: candidate, dev: info.dev, ino: info.ino, fingerprint, readPos };
    }
    return { path, dev: 0, ino: 0, fingerprint: saved ?? Buffer.alloc(0), readPos };
  }

  /** Reads a finished file from `source.readPos` to its end, as the current source, then leaves it. */
  async function readArchive(source: Source & { path: string }, change?: FileChange) {
    enter(source, change);
    let done = false;
    for (const candidate of archiveSpellings(source.path)) {
      try {
        for await (const chunk of readFrom(candidate, source.readPos, readBytes)) {
          if (closing) throw new FollowerClosed();
          consume(source, chunk, false);
        }
        done = true;
        break;
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
    }
    if (!done) {
      warn(
        `${source.path}: archive disappeared before it was read; its remaining lines were not read`,
      );
    }
    leave();
  }

  /**
   * After leaving the file `left`: reads every archive rotated after it, oldest first, then enters
   * the live file. The live file is opened before the archives are listed, so an archive rotated
   * in between is never skipped; if more appeared while reading, it goes round again. `first` is
   * the change reported on entering the first file (null after a backfill: the file that was live
   * when it began is not a rotation followed).
   */
  async function readSuccessorsThenLive(
    left: Identity | undefined,
    first: FileChange | null = 'rotated',
  ): Promise<void> {
    let after = left;
    let change = first ?? undefined;
    for (;;) {
      const live = await openLive();
      const liveHead = live?.handle ? await headOf(live.handle) : Buffer.alloc(0);
      const archives = await listRotatedFiles(file);
      const index = after ? await findArchive(archives, after) : -1;
      const successors: string[] = [];
      for (const path of index >= 0 ? archives.slice(index + 1) : []) {
        if (await isLiveFile(path, live, liveHead)) break;
        successors.push(path);
      }
      if (successors.length === 0) {
        if (live) enter(live, change);
        return;
      }
      await live?.handle?.close();
      for (const path of successors) {
        await readArchive(await archiveSource(path, 0), change);
        change = 'rotated';
      }
      after = lastLeft;
    }
  }

  /**
   * `backfill` from the start: every archive, oldest first, then the live file. As in
   * `readSuccessorsThenLive`, the live file is opened before the archives are listed and what was
   * rotated while they were read is read next, so a file rotating during a long backfill loses
   * nothing.
   */
  async function backfillThenLive(): Promise<void> {
    const live = await openLive();
    const liveHead = live?.handle ? await headOf(live.handle) : Buffer.alloc(0);
    const history: string[] = [];
    for (const path of await listRotatedFiles(file)) {
      if (await isLiveFile(path, live, liveHead)) break;
      history.push(path);
    }
    if (history.length === 0) {
      if (live) enter(live);
      // Nothing yet: every archive that appears before the first file is new.
      else archivesAtStart = new Set();
      return;
    }
    await live?.handle?.close();
    for (const path of history) await readArchive(await archiveSource(path, 0));
    await readSuccessorsThenLive(lastLeft, null);
  }

  async function followRename(old: OpenSource): Promise<void> {
    await drain(old);
    await old.handle.close();
    leave();
    await readSuccessorsThenLive(lastLeft);
  }

  async function start(): Promise<void> {
    if (!resume) {
      if (backfill && from === 'start') {
        await backfillThenLive();
        return;
      }
      if (backfill) {
        for (const path of await listRotatedFiles(file))
          await readArchive(await archiveSource(path, 0));
      }
      const live = await openLive(from);
      if (live) enter(live);
      else archivesAtStart = new Set(await listRotatedFiles(file));
      return;
    }
    const saved = Buffer.from(resume.fingerprint, 'base64');
    const live = await openLive();
    const sameInode = live?.dev === resume.dev && live?.ino === resume.ino;
    if (live?.handle && sameInode) {
      const { size } = await live.handle.stat();
      const head = await headOf(live.handle, saved.length);
      if (size >= resume.offset && (saved.length === 0 || matchesFingerprint(head, saved))) {
        enter({ ...live, fingerprint: saved, readPos: resume.offset });
        return;
      }
    }
    await live?.handle?.close();
    const archives = await listRotatedFiles(file);
    const index = await findArchive(archives, { ...resume, fingerprint: saved }, resume.offset);
    if (index >= 0) {
      await readArchive(await archiveSource(archives[index] as string, resume.offset, saved));
      await readSuccessorsThenLive(lastLeft);
      return;
    }
    warn(
      sameInode
        ? `${file}: truncated since the checkpoint; reading it from the start`
        : `${file}: the checkpointed file is gone; reading the current file from the start`,
    );
    await readSuccessorsThenLive(undefined);
  }

  /** The first file ever appeared; archives rotated since the first start are new lines too. */
  async function enterFirstFile(): Promise<void> {
    const live = await openLive();
    if (!live?.handle) return;
    const liveHead = await headOf(live.handle);
    const fresh: string[] = [];
    for (const path of await listRotatedFiles(file)) {
      if (archivesAtStart?.has(path) || (await isLiveFile(path, live, liveHead))) continue;
      fresh.push(path);
    }
    if (fresh.length === 0) {
      enter(live);
      return;
    }
    await live.handle.close();
    for (const [i, path] of fresh.entries()) {
      await readArchive(await archiveSource(path, 0), i > 0 ? 'rotated' : undefined);
    }
    await readSuccessorsThenLive(lastLeft);
  }

  /** Whether the file under our handle was truncated (copytruncate), even if it has grown again since. */
  async function truncated(source: OpenSource): Promise<boolean> {
    const { size } = await source.handle.stat();
    if (size < source.readPos) return true;
    const head = await headOf(source.handle, source.fingerprint.length);
    return !head.equals(source.fingerprint);
  }

  async function pollOnce(): Promise<void> {
    if (!started) {
      await start();
      started = true;
    }
    // Each pass ends on the live file; a rotation found at its end means one more pass.
    for (;;) {
      if (!current?.handle) {
        // The live file was missing: it may have appeared, and even been rotated, since.
        if (lastLeft) await readSuccessorsThenLive(lastLeft);
        else await enterFirstFile();
        if (!current?.handle) return;
      }
      const source = current as OpenSource;
      if (await truncated(source)) {
        leave();
        enter({ ...source, fingerprint: Buffer.alloc(0), readPos: 0 }, 'truncated');
      }
      await drain(current as OpenSource);
      const live = await statOrUndefined(file);
      if (!live || (live.dev === source.dev && live.ino === source.ino)) return;
      await followRename(current as OpenSource);
    }
  }

  return {
    poll() {
      if (closing) return Promise.resolve();
      running ??= pollOnce()
        .catch((error: unknown) => {
          if (!(error instanceof FollowerClosed)) throw error;
        })
        .finally(() => {
          running = undefined;
        });
      return running;
    },
    position,
    get started() {
      return started;
    },
    async close() {
      // Stops a long catch-up between two reads: the position stays that of the last read taken in.
      closing = true;
      await running?.catch(() => {});
      await current?.handle?.close();
      if (current) current.handle = undefined;
    },
  };
}
