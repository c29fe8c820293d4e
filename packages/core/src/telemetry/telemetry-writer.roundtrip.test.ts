import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import { isEventKitError } from '../errors.js';
import { readTelemetry } from '../reader/read-telemetry.js';
import {
  MAX_PAYLOAD_DEPTH,
  parseTelemetryLine,
  type TelemetryEvent,
  type TelemetryEventInput,
  validateTelemetryEvent,
} from './event.js';
import { createTelemetryWriter } from './telemetry-writer.js';
import { eventInputs } from './test-support/event-inputs.js';

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'eventkit-roundtrip-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes the inputs through a fresh writer; what it reported and what is on disk. */
async function writeAll(file: string, inputs: unknown[]) {
  const errors: unknown[] = [];
  const writer = createTelemetryWriter({ file, compress: false, onError: (e) => errors.push(e) });
  for (const input of inputs) writer.write(input as TelemetryEventInput);
  await writer.close();
  const text = existsSync(file) ? await readFile(file, 'utf8') : '';
  return { stats: writer.stats, errors, lines: text.split(/(?<=\n)/).filter(Boolean) };
}

async function readAll(file: string): Promise<TelemetryEvent[]> {
  const events: TelemetryEvent[] = [];
  for await (const event of readTelemetry(file)) events.push(event);
  return events;
}

describe('createTelemetryWriter and the readers', () => {
  it('write exactly the events the writer accepts, and every reader reads them back the same', async () => {
    const dir = await tempDir();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(eventInputs, { maxLength: 12 }), async (inputs) => {
        const file = join(dir, `run-${run++}.jsonl`);
        const { stats, errors, lines } = await writeAll(file, inputs);
        const accepted = inputs
          .map(validateTelemetryEvent)
          .flatMap((checked) => (checked.ok ? [checked.event] : []));
        const rejected = inputs.length - accepted.length;

        expect(stats).toMatchObject({
          written: accepted.length,
          dropped: rejected,
          errors: rejected,
        });
        expect(errors.every((e) => isEventKitError(e) && e.code === 'INVALID_INPUT')).toBe(true);
        expect(lines.map(parseTelemetryLine)).toStrictEqual(
          accepted.map((event) => ({ ok: true, event })),
        );
        if (accepted.length > 0) expect(await readAll(file)).toStrictEqual(accepted);
      }),
      { numRuns: 150 },
    );
  });

  it('never writes a payload nested deeper than MAX_PAYLOAD_DEPTH, which no reader would accept', async () => {
    let deep: unknown = [];
    for (let level = 2; level <= MAX_PAYLOAD_DEPTH; level++) deep = [deep];
    const base = { ts: 1, action: 'recommend', success: true, latency_ms: 1 };
    const file = join(await tempDir(), 'telemetry.jsonl');

    const { stats, errors, lines } = await writeAll(file, [
      { ...base, payload: { x: deep } }, // 33 levels with the payload itself
      { ...base, payload: { x: [] } },
    ]);

    expect(stats).toMatchObject({ written: 1, dropped: 1, errors: 1 });
    expect(String(errors[0])).toContain('payload: is nested deeper than 32 levels');
    expect(lines).toEqual([
      '{"ts":1,"action":"recommend","success":true,"latency_ms":1,"payload":{"x":[]},"error":null}\n',
    ]);
    expect(await readAll(file)).toHaveLength(1);
  });
});
