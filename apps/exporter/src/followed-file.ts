import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { type FileFollower, type FilePosition, listRotatedFiles } from '@eventkit/core/telemetry';

// What the exporter asks about one followed file: where it starts, how far behind it is, its label.

export const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/** `FilePosition.fingerprint`: up to the first 256 bytes. */
const FINGERPRINT_BYTES = 256;

/**
 * The start of `path` as a position (offset 0), or undefined when it does not exist. A follower
 * resumed there reads the file from its start even if it is rotated before the first poll, and
 * its archives from before stay history, as `from: 'start'` without backfill means.
 */
export async function startOf(path: string): Promise<FilePosition | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const { dev, ino } = await handle.stat();
    const head = Buffer.alloc(FINGERPRINT_BYTES);
    const { bytesRead } = await handle.read(head, 0, FINGERPRINT_BYTES, 0);
    return { dev, ino, fingerprint: head.toString('base64', 0, bytesRead), offset: 0 };
  } finally {
    await handle.close();
  }
}

/** Gone for good: no live file and no archive left to read. */
export const gone = async (path: string): Promise<boolean> =>
  !(await exists(path)) && (await listRotatedFiles(path)).length === 0;

/** The bytes after the last complete line read: the live file's unread part, all of it after a rotation. */
export async function lagBytes(path: string, follower: FileFollower): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 0;
  const position = follower.position();
  const reading = position && position.dev === info.dev && position.ino === info.ino;
  return reading ? Math.max(0, info.size - position.offset) : info.size;
}

/** Each file's base name, or its whole path where two followed files share one. */
export function fileLabels(paths: readonly string[]): string[] {
  const names = paths.map((path) => basename(path));
  return paths.map((path, i) =>
    names.indexOf(names[i] as string) === names.lastIndexOf(names[i] as string)
      ? (names[i] as string)
      : path,
  );
}
