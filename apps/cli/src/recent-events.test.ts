import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { TelemetryEvent } from '@eventkit/core/telemetry';
import { describe, expect, it } from 'vitest';
import { readRecentEvents } from './recent-events.js';
import { makeEvents, tempDir, toJsonl } from './test-support/run-cli.js';

const START = 1_732_540_000;

function at(times: number[], instance: string, seed: number): TelemetryEvent[] {
  return makeEvents(times.length, START, 1, seed).map((event, k) => ({
    ...event,
    ts: START + (times[k] as number),
    instance,
  }));
}

describe('readRecentEvents', () => {
  it("takes the newest events by time across instances' files, each after its archives", async () => {
    const dir = await tempDir();
    const main = path.join(dir, 'telemetry.jsonl');
    const mainArchive = `${main}.20241120-000000-000.gz`;
    const worker = path.join(dir, 'telemetry-w1.jsonl');
    const archived = at([1, 2, 3], 'web1', 1);
    const live = at([10, 40], 'web1', 2);
    const workers = at([20, 30, 50], 'web1-w1', 3);
    await writeFile(mainArchive, gzipSync(toJsonl(archived)));
    await writeFile(main, toJsonl(live));
    await writeFile(worker, toJsonl(workers));
    const files = [mainArchive, main, worker];
    const times = (events: TelemetryEvent[]) => events.map((event) => event.ts - START);
    expect(times(await readRecentEvents(files, 4))).toEqual([20, 30, 40, 50]);
    // Fewer in the live files than asked: the archive too, still in time order.
    expect(times(await readRecentEvents(files, 7))).toEqual([2, 3, 10, 20, 30, 40, 50]);
  });

  it('keeps the order of a single history as it is', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'telemetry.jsonl');
    const events = at([5, 4, 6], 'web1', 4); // a slow request written after a faster one
    await writeFile(file, toJsonl(events));
    expect(await readRecentEvents([file], 3)).toEqual(events);
  });
});
