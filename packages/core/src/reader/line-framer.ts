/** Lines longer than this are skipped and counted as malformed instead of being buffered. */
export const MAX_LINE_BYTES = 1024 * 1024;
/** Bytes read per system call. */
export const READ_CHUNK_BYTES = 1024 * 1024;
/** The size of a framer's working buffer: the longest line plus one read. */
export const FRAMER_BUFFER_BYTES = MAX_LINE_BYTES + READ_CHUNK_BYTES;

const NEWLINE = 0x0a;

/**
 * Receives one line: bytes [start, end) of `buf`, without the newline. `terminated` is false for
 * a last line that had no newline (possibly truncated).
 */
export type LineHandler = (
  buf: Buffer,
  start: number,
  end: number,
  line: number,
  terminated: boolean,
) => void;

/**
 * Takes whole lines off the framer's hands (the summary's fast path): no newline search, no
 * call per line.
 */
export interface LineShortcut {
  /**
   * Handles the complete lines from `start` on that it recognises, each ending with a newline
   * below `limit` and under MAX_LINE_BYTES long, up to the first it does not: returns the index
   * after the last one's newline (`start` when it took none) and sets `taken` to their number.
   */
  take(buf: Buffer, start: number, limit: number): number;
  taken: number;
}

export interface LineFramerOptions {
  onLine: LineHandler;
  /** A line over MAX_LINE_BYTES, skipped without being buffered. */
  onTooLong: (line: number) => void;
  /** Strip a UTF-8 byte order mark at the very start (true when the data starts at offset 0). */
  atFileStart?: boolean;
  /** Tried first wherever a line starts; the lines it does not take go to `onLine` as usual. */
  shortcut?: LineShortcut;
  /** The working buffer, at least FRAMER_BUFFER_BYTES (default: a new one). */
  buffer?: Buffer;
}

export interface LineFramer {
  /** Free space to read into directly; call `commit(n)` afterwards. */
  space(): Buffer;
  commit(bytes: number): void;
  /** Copies a chunk in (for streams such as gunzip). */
  push(chunk: Buffer): void;
  /** Delivers the last, unterminated line if any. */
  end(): void;
  /** Lines delivered or skipped so far. */
  readonly lines: number;
  /** Bytes of an incomplete line waiting for its newline. */
  readonly pending: number;
  /**
   * Starts over on another stream (line count, buffered bytes and `atFileStart` reset), keeping
   * the buffer and the handlers: cheaper than a new framer, whose new handlers the hot loop would
   * have to be re-optimised for.
   */
  restart(atFileStart: boolean): void;
}

/**
 * Splits a byte stream into lines with one reusable buffer (constant memory whatever the input):
 * complete lines are handed over in place, only the incomplete tail is moved to the front.
 *
 * @example
 * const framer = createLineFramer({ onLine: (buf, s, e, n) => console.log(n, buf.toString('utf8', s, e)), onTooLong: () => {} });
 * framer.push(Buffer.from('a\nb\nc'));
 * framer.end(); // 1 a, 2 b, 3 c
 */
export function createLineFramer({
  onLine,
  onTooLong,
  atFileStart = false,
  shortcut,
  buffer,
}: LineFramerOptions): LineFramer {
  if (buffer !== undefined && buffer.length < FRAMER_BUFFER_BYTES) {
    throw new RangeError(`a line framer's buffer needs at least ${FRAMER_BUFFER_BYTES} bytes`);
  }
  const buf = buffer ?? Buffer.allocUnsafe(FRAMER_BUFFER_BYTES);
  let length = 0;
  let lines = 0;
  let skipping = false;
  let bomCheck = atFileStart;

  function lineStart(start: number, end: number): number {
    if (!bomCheck) return start;
    bomCheck = false;
    return end - start >= 3 &&
      buf[start] === 0xef &&
      buf[start + 1] === 0xbb &&
      buf[start + 2] === 0xbf
      ? start + 3
      : start;
  }

  function drain(): void {
    const view = buf.subarray(0, length);
    let position = 0;
    if (skipping) {
      const newline = view.indexOf(NEWLINE);
      if (newline < 0) {
        length = 0;
        return;
      }
      skipping = false;
      position = newline + 1;
    }
    for (;;) {
      if (shortcut !== undefined && !bomCheck) {
        position = shortcut.take(buf, position, length);
        lines += shortcut.taken;
      }
      const newline = view.indexOf(NEWLINE, position);
      if (newline < 0) break;
      // Decided by length alone, so the outcome never depends on how reads were chunked.
      if (newline - position > MAX_LINE_BYTES) {
        bomCheck = false;
        onTooLong(++lines);
      } else onLine(buf, lineStart(position, newline), newline, ++lines, true);
      position = newline + 1;
    }
    const rest = length - position;
    if (rest > MAX_LINE_BYTES) {
      bomCheck = false;
      onTooLong(++lines);
      skipping = true;
      length = 0;
      return;
    }
    if (position > 0 && rest > 0) buf.copyWithin(0, position, length);
    length = rest;
  }

  return {
    space: () => buf.subarray(length),
    commit(bytes) {
      length += bytes;
      drain();
    },
    push(chunk) {
      let offset = 0;
      while (offset < chunk.length) {
        const copied = chunk.copy(buf, length, offset);
        offset += copied;
        length += copied;
        drain();
      }
    },
    end() {
      if (length > 0) onLine(buf, lineStart(0, length), length, ++lines, false);
      length = 0;
      skipping = false;
    },
    get lines() {
      return lines;
    },
    get pending() {
      return length;
    },
    restart(startsFile) {
      length = 0;
      lines = 0;
      skipping = false;
      bomCheck = startsFile;
    },
  };
}
