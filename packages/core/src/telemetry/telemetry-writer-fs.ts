import {
  close as closeCallback,
  fstat as fstatCallback,
  ftruncate as ftruncateCallback,
  mkdirSync,
  open as openCallback,
  write as writeCallback,
  writeSync,
} from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

// The callback API on raw descriptors: the exit path needs the same descriptor synchronously.
export const openAsync = promisify(openCallback);
export const closeAsync = promisify(closeCallback);
export const fstatAsync = promisify(fstatCallback);
export const ftruncateAsync = promisify(ftruncateCallback);

/** pwrite(2): `length` bytes of `buffer` from `offset`, at file offset `position`. */
export function writeAsync(
  fd: number,
  buffer: Buffer,
  offset: number,
  length: number,
  position: number,
): Promise<number> {
  return new Promise((resolveWrite, rejectWrite) => {
    writeCallback(fd, buffer, offset, length, position, (error, written) =>
      error ? rejectWrite(error) : resolveWrite(written),
    );
  });
}

export function writeAllSync(fd: number, buffer: Buffer, position: number): void {
  let offset = 0;
  while (offset < buffer.length) {
    offset += writeSync(fd, buffer, offset, buffer.length - offset, position + offset);
  }
}

function isCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

/**
 * `mkdir -p`, but one that gives up: Node 20's `mkdir(…, { recursive: true })` spins forever on
 * a parent that exists yet refuses children with ENOENT (e.g. anything under /proc).
 */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (error) {
    if (isCode(error, 'EEXIST')) return;
    const parent = dirname(dir);
    if (!isCode(error, 'ENOENT') || parent === dir) throw error;
    await ensureDir(parent);
    await mkdir(dir).catch((again: unknown) => {
      if (!isCode(again, 'EEXIST')) throw again;
    });
  }
}

/** The synchronous twin of {@link ensureDir}, for the exit path. */
export function ensureDirSync(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (error) {
    if (isCode(error, 'EEXIST')) return;
    const parent = dirname(dir);
    if (!isCode(error, 'ENOENT') || parent === dir) throw error;
    ensureDirSync(parent);
    try {
      mkdirSync(dir);
    } catch (again) {
      if (!isCode(again, 'EEXIST')) throw again;
    }
  }
}
