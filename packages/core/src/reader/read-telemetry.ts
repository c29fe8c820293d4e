import type { TelemetryEvent } from '../telemetry/event.js';
import { createLineDecoder } from './line-decoder.js';
import { createLineFramer } from './line-framer.js';
import { resolveTelemetryInputs } from './resolve-files.js';
import {
  FIRST_MALFORMED_KEPT,
  feedFile,
  inputName,
  type MalformedLine,
  type TelemetryInput,
  TOO_LONG_REASON,
  truncatedReason,
} from './telemetry-file.js';

const READER_CHUNK_BYTES = 128 * 1024;

export interface ReadOptions {
  /** Keep events with `ts >= since` (unix seconds). */
  since?: number;
  /** Keep events with `ts < until` (unix seconds). */
  until?: number;
  /** Keep only these actions. */
  actions?: string[];
  /** Read each file's rotated archives (oldest first) before it. Default true. */
  includeRotated?: boolean;
  /** Called for every line that is not a valid event (it is skipped and counted). */
  onMalformed?: (malformed: MalformedLine) => void;
}

export interface ReadStats {
  /** Files opened so far. */
  files: number;
  /** Lines seen, malformed ones included. */
  lines: number;
  /** Events handed out (after the filters). */
  events: number;
  malformed: number;
  /** Where the first five malformed lines were. */
  firstMalformed: MalformedLine[];
}

export interface TelemetryStream extends AsyncIterable<TelemetryEvent> {
  /** Filled in as the stream is consumed; final once iteration ends. */
  readonly stats: ReadStats;
}

/** Keeps ReadStats' malformed fields and forwards to onMalformed. */
function createMalformedSink(stats: ReadStats, onMalformed?: (m: MalformedLine) => void) {
  return (malformed: MalformedLine): void => {
    stats.malformed++;
    if (stats.firstMalformed.length < FIRST_MALFORMED_KEPT) stats.firstMalformed.push(malformed);
    onMalformed?.(malformed);
  };
}

interface EventFilter {
  since: number;
  until: number;
  actions: Set<string> | undefined;
}

function createEventFilter({ since, until, actions }: ReadOptions): EventFilter {
  return {
    since: since ?? Number.NEGATIVE_INFINITY,
    until: until ?? Number.POSITIVE_INFINITY,
    actions: actions === undefined ? undefined : new Set(actions),
  };
}

/**
 * Streams the events of one file, a rotated set (archives oldest first, `.gz` included) or
 * several files, or a stream of telemetry bytes such as standard input (`{ name: '<stdin>',
 * stream: process.stdin }`, plain or gzip), in constant memory: a stream's events are handed out
 * as its chunks arrive. Lines that are not valid events (invalid JSON or UTF-8,
 * wrong types, blank, a truncated last line, over 1 MiB) are skipped and counted in `stats`,
 * the first five with file and line. The original Python Event Kit's lines are accepted.
 * Throws `EventKitError('UNREADABLE_INPUT')` for a missing or unreadable file.
 *
 * @example
 * const stream = readTelemetry('telemetry.jsonl', { since: Date.now() / 1000 - 3600, actions: ['recommend'] });
 * for await (const event of stream) if (!event.success) console.log(event.error);
 * console.log(`${stream.stats.malformed} malformed lines`, stream.stats.firstMalformed);
 */
export function readTelemetry(
  paths: TelemetryInput | TelemetryInput[],
  options: ReadOptions = {},
): TelemetryStream {
  const stats: ReadStats = { files: 0, lines: 0, events: 0, malformed: 0, firstMalformed: [] };
  const list = Array.isArray(paths) ? paths : [paths];
  const filter = createEventFilter(options);
  const malformed = createMalformedSink(stats, options.onMalformed);
  const decoder = createLineDecoder();

  async function* events(): AsyncGenerator<TelemetryEvent> {
    const inputs = await resolveTelemetryInputs(list, { includeRotated: options.includeRotated });
    for (const input of inputs) {
      const file = inputName(input);
      stats.files++;
      let ready: TelemetryEvent[] = [];
      const framer = createLineFramer({
        atFileStart: true,
        onTooLong: (line) => {
          stats.lines++;
          malformed({ file, line, reason: TOO_LONG_REASON });
        },
        onLine: (buf, start, end, line, terminated) => {
          stats.lines++;
          if (!decoder.decode(buf, start, end)) {
            const reason = terminated ? decoder.reason : truncatedReason(decoder.reason);
            malformed({ file, line, reason });
            return;
          }
          // Filter on the decoded fields first: lines outside the window build no event.
          if (decoder.ts < filter.since || decoder.ts >= filter.until) return;
          if (filter.actions && !filter.actions.has(decoder.action)) return;
          ready.push(decoder.event());
        },
      });
      const onCorrupt = (line: number, reason: string): void => malformed({ file, line, reason });
      // Small reads keep the batch of events waiting to be handed out small.
      for await (const _ of feedFile(input, framer, onCorrupt, READER_CHUNK_BYTES)) {
        const batch = ready;
        ready = [];
        for (const event of batch) {
          stats.events++;
          yield event;
        }
      }
    }
  }

  return {
    stats,
    [Symbol.asyncIterator]: () => events(),
  };
}
