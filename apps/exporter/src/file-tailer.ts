import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { FINGERPRINT_BYTES, matchesFingerprint, readFrom, readHead } from './file-head.js';
import { createLineSplitter, DEFAULT_MAX_LINE_BYTES } from './line-splitter.js';
import {
  findArchive,
  headOf,
  type Identity,
  isLiveFile,
  isMissing,
  listArchives,
  statOrUndefined,
} from './rotated-archives.js';
import type { TelemetryTally } from './tally.js';

/** Where reading stands in one file: enough to find it again after a restart. */
export interface FilePosition {
  dev: number;
  ino: number;
  /** Base64 of the file's first bytes (up to FINGERPRINT_BYTES, fewer while the file is short). */
  fingerprint: string;
  /** Byte offset just after the last complete line counted. */
  offset: number;
}

export interface FileTailerOptions {
  file: string;
  tally: TelemetryTally;
  /** From a checkpoint: resume here. */
  resume?: FilePosition;
  /** With no checkpoint: read the live file from its start, or only what is appended from now. */
  from?: 'start' | 'end';
  /** With no checkpoint: first read every archive (`.gz` included), oldest first. */
  backfill?: boolean;
  chunkBytes?: number;
  maxLineBytes?: number;
  warn?: (message: string) => void;
}

export interface FileTailer {
  /** Reads everything new, following rotation and truncation. Never overlaps itself. */
  poll(): Promise<void>;
  /** Checkpoint position, consistent with the tally at the moment it is called. */
  position(): FilePosition | undefined;
  close(): Promise<void>;
  /** True once the start position (checkpoint, --from, backfill) has been taken. */
  readonly started: boolean;
}

interface Source extends Identity {
  handle?: FileHandle;
  /** Bytes read so far: counted lines plus the pending partial line. */
  readPos: number;
}

/** Unwinds a poll when the tailer is closed mid-file, without treating the file as finished. */
class TailerClosed extends Error {}

/**
 * Follows one telemetry file the way `tail -F` would, but counting every line exactly once:
 * rename rotation (old file finished first, archives rotated in between read too), copytruncate,
 * deletion and re-creation, and the same situations happening while the exporter was stopped.
 */
export function createFileTailer({
  file,
  tally,
  resume,
  from = 'start',
  backfill = false,
  chunkBytes = 1024 * 1024,
  maxLineBytes = DEFAULT_MAX_LINE_BYTES,
  warn = () => {},
}: FileTailerOptions): FileTailer {
  const splitter = createLineSplitter({
    maxLineBytes,
    onLine: tally.countLine,
    onOversizedLine: tally.countDroppedLine,
  });
  const buffer = Buffer.allocUnsafe(chunkBytes);
  /** The file being read; undefined between leaving one file and entering the next. */
  let current: Source | undefined;
  /** Where the last file was left (or the checkpoint, before the first). */
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
      offset: current.readPos - splitter.pendingBytes,
    };
  }

  // Every state change below is synchronous, so a checkpoint taken between two awaits always pairs
  // the tally with the position of exactly the lines it counted.

  function consume(source: Source, chunk: Buffer): void {
    const have = source.fingerprint.length;
    if (
      have < FINGERPRINT_BYTES &&
      source.readPos <= have &&
      source.readPos + chunk.length > have
    ) {
      const extra = chunk.subarray(have - source.readPos, FINGERPRINT_BYTES - source.readPos);
      source.fingerprint = Buffer.concat([source.fingerprint, extra]);
    }
    splitter.push(chunk);
    source.readPos += chunk.length;
  }

  /** Finishes the current file: an unterminated last line can never complete, so it is counted as dropped. */
  function leave(): void {
    if (splitter.discardPending()) tally.countDroppedLine();
    lastPosition = position();
    if (current) {
      const { dev, ino, fingerprint, readPos } = current;
      lastLeft = { dev, ino, fingerprint, size: readPos };
    }
    current = undefined;
  }

  function enter(next: Source, isRotation: boolean): void {
    if (isRotation) tally.countRotation();
    current = next;
  }

  async function drain(source: Source & { handle: FileHandle }): Promise<void> {
    for (;;) {
      const { bytesRead } = await source.handle.read(buffer, 0, chunkBytes, source.readPos);
      if (bytesRead === 0) return;
      if (closing) throw new TailerClosed();
      consume(source, buffer.subarray(0, bytesRead));
    }
  }

  async function openLive(startAt: 'start' | 'end' = 'start'): Promise<Source | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const { dev, ino, size } = await handle.stat();
    const source: Source = { handle, dev, ino, fingerprint: Buffer.alloc(0), readPos: 0 };
    if (startAt === 'end') {
      source.readPos = await lastLineEnd(handle, size);
      const head = Buffer.alloc(Math.min(FINGERPRINT_BYTES, size));
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      source.fingerprint = head.subarray(0, bytesRead);
    }
    return source;
  }

  async function lastLineEnd(handle: FileHandle, size: number): Promise<number> {
    const window = Math.min(size, 64 * 1024);
    const tail = Buffer.alloc(window);
    await handle.read(tail, 0, window, size - window);
    const nl = tail.lastIndexOf(0x0a);
    return nl === -1 ? size - window : size - window + nl + 1;
  }

  /** An archive may be compressed (and the plain file removed) at any moment: follow it to `.gz`. */
  async function archiveSource(
    path: string,
    readPos: number,
    saved?: Buffer,
  ): Promise<Source & { path: string }> {
    for (const candidate of path.endsWith('.gz') ? [path] : [path, `${path}.gz`]) {
      const info = await statOrUndefined(candidate);
      if (!info) continue;
      const fingerprint = saved ?? (await readHead(candidate).catch(() => Buffer.alloc(0)));
      return { path: candidate, dev: info.dev, ino: info.ino, fingerprint, readPos };
    }
    return { path, dev: 0, ino: 0, fingerprint: saved ?? Buffer.alloc(0), readPos };
  }

  /** Reads a finished file from `source.readPos` to its end, as the current source, then leaves it. */
  async function readArchive(
    source: Source & { path: string },
    isRotation: boolean,
  ): Promise<void> {
    enter(source, isRotation);
    const candidates = source.path.endsWith('.gz')
      ? [source.path]
      : [source.path, `${source.path}.gz`];
    let done = false;
    for (const candidate of candidates) {
      try {
        for await (const chunk of readFrom(candidate, source.readPos, chunkBytes)) {
          if (closing) throw new TailerClosed();
          consume(source, chunk);
        }
        done = true;
        break;
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
    }
    if (!done)
      warn(
        `${source.path}: archive disappeared before it was read; its remaining lines are not counted`,
      );
    leave();
  }

  /**
   * After leaving the file `left`: reads every archive rotated after it, oldest first, then enters
   * the live file. The live file is opened before the archives are listed, so an archive rotated
   * in between is never skipped; if more appeared while reading, it goes round again.
   */
  async function readSuccessorsThenLive(left: Identity | undefined): Promise<void> {
    let from = left;
    for (;;) {
      const live = await openLive();
      const liveHead = live?.handle ? await headOf(live.handle) : Buffer.alloc(0);
      const archives = await listArchives(file);
      const index = from ? await findArchive(archives, from) : -1;
      const successors: string[] = [];
      for (const path of index >= 0 ? archives.slice(index + 1) : []) {
        if (await isLiveFile(path, live, liveHead)) break;
        successors.push(path);
      }
      if (successors.length === 0) {
        if (live) enter(live, true);
        return;
      }
      await live?.handle?.close();
      for (const path of successors) await readArchive(await archiveSource(path, 0), true);
      from = lastLeft;
    }
  }

  async function followRename(old: Source & { handle: FileHandle }): Promise<void> {
    await drain(old);
    await old.handle.close();
    leave();
    await readSuccessorsThenLive(lastLeft);
  }

  async function start(): Promise<void> {
    if (!resume) {
      if (backfill) {
        for (const path of await listArchives(file))
          await readArchive(await archiveSource(path, 0), false);
      }
      const live = await openLive(from);
      if (live) enter(live, false);
      else archivesAtStart = new Set(await listArchives(file));
      return;
    }
    const saved = Buffer.from(resume.fingerprint, 'base64');
    const live = await openLive();
    const sameInode = live?.dev === resume.dev && live?.ino === resume.ino;
    if (live?.handle && sameInode) {
      const { size } = await live.handle.stat();
      const head = await readHead(file, saved.length);
      if (size >= resume.offset && (saved.length === 0 || matchesFingerprint(head, saved))) {
        enter({ ...live, fingerprint: saved, readPos: resume.offset }, false);
        return;
      }
    }
    await live?.handle?.close();
    const archives = await listArchives(file);
    const index = await findArchive(archives, { ...resume, fingerprint: saved }, resume.offset);
    if (index >= 0) {
      await readArchive(
        await archiveSource(archives[index] as string, resume.offset, saved),
        false,
      );
      await readSuccessorsThenLive(lastLeft);
      return;
    }
    warn(
      sameInode
        ? `${file}: truncated while the exporter was stopped; reading it from the start`
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
    for (const path of await listArchives(file)) {
      if (archivesAtStart?.has(path) || (await isLiveFile(path, live, liveHead))) continue;
      fresh.push(path);
    }
    if (fresh.length === 0) {
      enter(live, false);
      return;
    }
    await live.handle.close();
    for (const [i, path] of fresh.entries()) await readArchive(await archiveSource(path, 0), i > 0);
    await readSuccessorsThenLive(lastLeft);
  }

  /** Whether the file under our handle was truncated (copytruncate), even if it has grown again since. */
  async function truncated(source: Source & { handle: FileHandle }): Promise<boolean> {
    const { size } = await source.handle.stat();
    if (size < source.readPos) return true;
    const head = Buffer.alloc(source.fingerprint.length);
    const { bytesRead } = await source.handle.read(head, 0, head.length, 0);
    return !head.subarray(0, bytesRead).equals(source.fingerprint);
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
      const source = current as Source & { handle: FileHandle };
      if (await truncated(source)) {
        leave();
        enter({ ...source, fingerprint: Buffer.alloc(0), readPos: 0 }, true);
      }
      await drain(current as Source & { handle: FileHandle });
      const live = await statOrUndefined(file);
      if (!live || (live.dev === source.dev && live.ino === source.ino)) return;
      await followRename(current as Source & { handle: FileHandle });
    }
  }

  return {
    poll() {
      if (closing) return Promise.resolve();
      running ??= pollOnce()
        .catch((error: unknown) => {
          if (!(error instanceof TailerClosed)) throw error;
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
      // Stops a long catch-up between two chunks: the position stays that of the last chunk counted.
      closing = true;
      await running?.catch(() => {});
      await current?.handle?.close();
      if (current) current.handle = undefined;
    },
  };
}
