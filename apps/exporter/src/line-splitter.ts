/** Lines longer than this (bytes, without the newline) are dropped and counted as malformed. */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

export interface LineSplitterOptions {
  /** A complete line: bytes [start, end) of `buf`, newline excluded; `buf` is only valid during the call. */
  onLine: (buf: Buffer, start: number, end: number) => void;
  /** A line over `maxLineBytes`, dropped unread. */
  onOversizedLine: () => void;
  maxLineBytes?: number;
}

export interface LineSplitter {
  /** Feeds the next bytes of the file; complete lines are emitted synchronously. */
  push(chunk: Buffer): void;
  /** Bytes after the last complete line (a partial line waiting for its newline). */
  readonly pendingBytes: number;
  /** Forgets the partial line (the file was truncated or replaced). Returns whether there was one. */
  discardPending(): boolean;
}

const NEWLINE = 0x0a;

/**
 * Splits a byte stream into `\n`-terminated lines without ever holding more than one line plus
 * one chunk: a partial last line waits for its newline; an oversized one is skipped to its end.
 */
export function createLineSplitter({
  onLine,
  onOversizedLine,
  maxLineBytes = DEFAULT_MAX_LINE_BYTES,
}: LineSplitterOptions): LineSplitter {
  let carry: Buffer | undefined;
  /** Bytes of the current oversized line skipped so far (its data is not kept). */
  let skipping = 0;

  return {
    push(chunk) {
      let start = 0;
      if (skipping > 0) {
        const nl = chunk.indexOf(NEWLINE);
        if (nl === -1) {
          skipping += chunk.length;
          return;
        }
        skipping = 0;
        onOversizedLine();
        start = nl + 1;
      } else if (carry) {
        const nl = chunk.indexOf(NEWLINE);
        if (nl === -1) {
          if (carry.length + chunk.length > maxLineBytes) {
            skipping = carry.length + chunk.length;
            carry = undefined;
          } else carry = Buffer.concat([carry, chunk]);
          return;
        }
        if (carry.length + nl > maxLineBytes) onOversizedLine();
        else {
          const line = Buffer.concat([carry, chunk.subarray(0, nl)]);
          onLine(line, 0, line.length);
        }
        carry = undefined;
        start = nl + 1;
      }
      let nl = chunk.indexOf(NEWLINE, start);
      while (nl !== -1) {
        if (nl - start > maxLineBytes) onOversizedLine();
        else onLine(chunk, start, nl);
        start = nl + 1;
        nl = chunk.indexOf(NEWLINE, start);
      }
      if (start < chunk.length) {
        if (chunk.length - start > maxLineBytes) skipping = chunk.length - start;
        // Copy: the caller reuses its read buffer.
        else carry = Buffer.from(chunk.subarray(start));
      }
    },
    get pendingBytes() {
      return skipping > 0 ? skipping : (carry?.length ?? 0);
    },
    discardPending() {
      const had = skipping > 0 || carry !== undefined;
      skipping = 0;
      carry = undefined;
      return had;
    },
  };
}
