import { createLineFramer, MAX_LINE_BYTES } from '../reader/line-framer.js';

const NEWLINE = 0x0a;

/** Why a line was not handed out: over the length limit, or cut off by the end of its file. */
export type DroppedLineReason = 'too-long' | 'unterminated';

export interface LineFeedOptions {
  /** A complete line: bytes [start, end) of `buf`, newline excluded; `buf` is only valid during the call. */
  onLine: (buf: Buffer, start: number, end: number) => void;
  onDroppedLine: (reason: DroppedLineReason) => void;
  /** At most MAX_LINE_BYTES. */
  maxLineBytes: number;
}

/**
 * Core's line framer, fed one file after another, keeping count of the bytes after the last
 * complete line so that a follower's position is always the end of a line. A line is handed out
 * once its newline arrives, so a multi-byte character cut between two reads arrives whole.
 */
export interface LineFeed {
  /** Free space to read into directly; call `commit(n)` afterwards. */
  space(): Buffer;
  commit(bytes: number): void;
  /** Copies a chunk in (for streams such as gunzip). */
  push(chunk: Buffer): void;
  /** Bytes after the last complete line: a partial line, or an oversized one being skipped. */
  readonly pendingBytes: number;
  /** Starts on a (new) file; a partial line left from the previous one is reported dropped. */
  restart(atFileStart: boolean): void;
}

export function createLineFeed({ onLine, onDroppedLine, maxLineBytes }: LineFeedOptions): LineFeed {
  if (maxLineBytes > MAX_LINE_BYTES) {
    throw new RangeError(`maxLineBytes can be at most ${MAX_LINE_BYTES} (${maxLineBytes} given)`);
  }
  let pendingBytes = 0;
  // The framer reports an oversized line as soon as it starts skipping it; passing that on only at
  // its newline keeps the position and the dropped count describing the same lines.
  let tooLong = 0;
  const framer = createLineFramer({
    onLine(buf, start, end) {
      if (end - start > maxLineBytes) onDroppedLine('too-long');
      else onLine(buf, start, end);
    },
    onTooLong() {
      tooLong++;
    },
  });

  function advance(bytes: Buffer): void {
    const newline = bytes.lastIndexOf(NEWLINE);
    pendingBytes = newline === -1 ? pendingBytes + bytes.length : bytes.length - newline - 1;
  }

  function settle(): void {
    const skipping = pendingBytes > MAX_LINE_BYTES ? 1 : 0;
    for (; tooLong > skipping; tooLong--) onDroppedLine('too-long');
  }

  return {
    space: () => framer.space(),
    commit(bytes) {
      advance(framer.space().subarray(0, bytes));
      framer.commit(bytes);
      settle();
    },
    push(chunk) {
      advance(chunk);
      framer.push(chunk);
      settle();
    },
    get pendingBytes() {
      return pendingBytes;
    },
    restart(atFileStart) {
      if (pendingBytes > 0)
        onDroppedLine(pendingBytes > MAX_LINE_BYTES ? 'too-long' : 'unterminated');
      pendingBytes = 0;
      tooLong = 0;
      framer.restart(atFileStart);
    },
  };
}
