import type { DroppedLineReason, LineFeedOptions } from '../line-feed.js';

/** `onLine` and `onDroppedLine` callbacks that keep what they are handed: lines as text, reasons. */
export function collectLines() {
  const lines: string[] = [];
  const dropped: DroppedLineReason[] = [];
  const onLine: LineFeedOptions['onLine'] = (buf, start, end) => {
    lines.push(buf.toString('utf8', start, end));
  };
  const onDroppedLine: LineFeedOptions['onDroppedLine'] = (reason) => {
    dropped.push(reason);
  };
  return { lines, dropped, onLine, onDroppedLine };
}
