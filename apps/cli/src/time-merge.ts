/** One line held by the merge: its time and what to print. */
interface Held<T> {
  ts: number;
  item: T;
  /** When it was read (the clock given to `add`), for the bounded wait. */
  readAt: number;
  /** Read order, which breaks ties between equal times. */
  seq: number;
}

export interface TimeMergeOptions<T> {
  /** Prints one line. Lines come out in time order. */
  emit: (item: T) => void;
  /** How long (ms) a line may wait for the other files to show a line at least as new. */
  reorderMs: number;
  /** How many files are followed (more can be added with `addSource`). */
  sources: number;
}

/**
 * Merges the lines of several files being followed into time order. The rule: a line is printed
 * once every file has shown a line at least as new (a file writes in time order, so nothing older
 * can follow from it), or once it has waited `reorderMs` (an idle file must not hold the others
 * back); whatever is printed comes out in time order. A line that arrives after newer ones were
 * printed (a writer that lagged more than `reorderMs`) is printed at the next release.
 */
export interface TimeMerge<T> {
  /** One more file followed (a new instance's): its source number. */
  addSource(): number;
  /** A line of file `source` (0-based) with time `ts`, read at `now` (ms). */
  add(source: number, ts: number, item: T, now: number): void;
  /** Call after a round in which every file was read to its end: prints the lines now due. */
  release(now: number): void;
  /** Prints the newest `count` lines held, in time order, and drops the older ones. */
  releaseLast(count: number): void;
  /** Prints every line held, in time order (when following stops). */
  drain(): void;
  /** Lines held, waiting. */
  readonly held: number;
}

export function createTimeMerge<T>({
  emit,
  reorderMs,
  sources,
}: TimeMergeOptions<T>): TimeMerge<T> {
  /** Lines waiting, sorted by (ts, seq). */
  let held: Held<T>[] = [];
  /** The newest time each file has shown; -Infinity before its first line. */
  const newest: number[] = Array.from({ length: sources }, () => Number.NEGATIVE_INFINITY);
  let seq = 0;

  /** Lines added since the last release, in read order. */
  let incoming: Held<T>[] = [];

  function releaseUpTo(cutoff: number): void {
    if (incoming.length > 0) {
      // Array.prototype.sort is stable, and seq breaks ties anyway.
      held = held.concat(incoming).sort((a, b) => a.ts - b.ts || a.seq - b.seq);
      incoming = [];
    }
    let n = 0;
    while (n < held.length && (held[n] as Held<T>).ts <= cutoff) n++;
    const due = held.slice(0, n);
    held = held.slice(n);
    for (const line of due) emit(line.item);
  }

  return {
    addSource() {
      newest.push(Number.NEGATIVE_INFINITY);
      return newest.length - 1;
    },
    add(source, ts, item, now) {
      newest[source] = Math.max(newest[source] ?? Number.NEGATIVE_INFINITY, ts);
      incoming.push({ ts, item, readAt: now, seq: seq++ });
    },
    release(now) {
      const watermark = newest.length === 0 ? Number.NEGATIVE_INFINITY : Math.min(...newest);
      // A line that waited long enough is printed with every line older than it.
      let cutoff = watermark;
      for (const line of held) {
        if (line.readAt + reorderMs <= now && line.ts > cutoff) cutoff = line.ts;
      }
      for (const line of incoming) {
        if (line.readAt + reorderMs <= now && line.ts > cutoff) cutoff = line.ts;
      }
      releaseUpTo(cutoff);
    },
    releaseLast(count) {
      releaseUpTo(Number.NEGATIVE_INFINITY);
      held = held.slice(Math.max(0, held.length - count));
      releaseUpTo(Number.POSITIVE_INFINITY);
    },
    drain() {
      releaseUpTo(Number.POSITIVE_INFINITY);
    },
    get held() {
      return held.length + incoming.length;
    },
  };
}
