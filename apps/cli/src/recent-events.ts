import { readTelemetry, type TelemetryInput } from '@eventkit/core/analysis';
import { parseTelemetryLine, type TelemetryEvent } from '@eventkit/core/telemetry';
import { inputHistories } from './input-files.js';
import { readLastLines } from './tail-file.js';

/**
 * The newest `count` valid events across `files` (as resolveInputs returns them: each file after
 * its archives), oldest event first. Each file's history (its archives, then itself) is read
 * from the newest end, and the files' events are merged by time, so every instance of a fleet
 * counts. Plain files are read backwards from their end, so this costs the same on a 5 GB file;
 * .gz archives are only streamed when the newer files hold too few. Standard input is streamed
 * through, keeping only the last events. Malformed lines are skipped.
 */
export async function readRecentEvents(
  files: readonly TelemetryInput[],
  count: number,
): Promise<TelemetryEvent[]> {
  const histories = await Promise.all(
    inputHistories(files).map((history) => recentEventsOfHistory(history, count)),
  );
  if (histories.length === 1) return histories[0] ?? [];
  // A stable sort: events of the same time keep the order of their files.
  return histories
    .flat()
    .sort((a, b) => a.ts - b.ts)
    .slice(-count);
}

/** The newest `count` events of one history (oldest file first), oldest event first. */
async function recentEventsOfHistory(
  files: readonly TelemetryInput[],
  count: number,
): Promise<TelemetryEvent[]> {
  const newestFirst: TelemetryEvent[][] = [];
  let found = 0;
  for (const file of [...files].reverse()) {
    if (found >= count) break;
    const events =
      typeof file !== 'string' || file.endsWith('.gz')
        ? await lastEventsOfStream(file, count - found)
        : await lastEventsOfPlainFile(file, count - found);
    newestFirst.push(events);
    found += events.length;
  }
  return newestFirst.reverse().flat().slice(-count);
}

async function lastEventsOfPlainFile(file: string, count: number): Promise<TelemetryEvent[]> {
  // Read a little more than asked so a few malformed lines do not cost a second pass.
  let want = count + 16;
  for (;;) {
    const { lines } = await readLastLines(file, want);
    const events = lines.flatMap((line) => {
      const parsed = parseTelemetryLine(line);
      return parsed.ok ? [parsed.event] : [];
    });
    if (events.length >= count || lines.length < want) return events.slice(-count);
    want *= 2;
  }
}

async function lastEventsOfStream(file: TelemetryInput, count: number): Promise<TelemetryEvent[]> {
  const ring: TelemetryEvent[] = [];
  for await (const event of readTelemetry(file, { includeRotated: false })) {
    ring.push(event);
    if (ring.length > count) ring.shift();
  }
  return ring;
}
