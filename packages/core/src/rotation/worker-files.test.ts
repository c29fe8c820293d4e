import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listRotatedFiles } from './rotated-files.js';
import { instanceTelemetryFiles, workerTelemetryFile } from './worker-files.js';

describe('workerTelemetryFile', () => {
  it('puts the worker number before the extension, beside the configured file', () => {
    expect(workerTelemetryFile('/srv/telemetry.jsonl', 2)).toBe('/srv/telemetry-w2.jsonl');
    expect(workerTelemetryFile('logs/events', 1)).toBe('logs/events-w1');
  });

  it('refuses a worker number that is not a positive integer', () => {
    expect(() => workerTelemetryFile('t.jsonl', 0)).toThrow(RangeError);
    expect(() => workerTelemetryFile('t.jsonl', 1.5)).toThrow(RangeError);
  });
});

describe('instanceTelemetryFiles', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'eventkit-workers-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const touch = (...names: string[]) =>
    Promise.all(names.map((name) => writeFile(path.join(dir, name), '')));

  it('lists the file and every worker file in worker order, and no archive', async () => {
    await touch(
      'telemetry.jsonl',
      'telemetry-w10.jsonl',
      'telemetry-w2.jsonl',
      'telemetry-w2.jsonl.20260101-000000-000.gz',
      'telemetry.jsonl.1',
      'telemetry-old.jsonl',
      'other-w1.jsonl',
    );
    const file = path.join(dir, 'telemetry.jsonl');
    expect(await instanceTelemetryFiles(file)).toEqual(
      ['telemetry.jsonl', 'telemetry-w2.jsonl', 'telemetry-w10.jsonl'].map((n) =>
        path.join(dir, n),
      ),
    );
  });

  it('lists only the workers when the single-process file does not exist', async () => {
    await touch('telemetry-w1.jsonl');
    expect(await instanceTelemetryFiles(path.join(dir, 'telemetry.jsonl'))).toEqual([
      path.join(dir, 'telemetry-w1.jsonl'),
    ]);
  });

  it('answers the configured name when nothing exists, so the caller can say it is missing', async () => {
    const file = path.join(dir, 'missing', 'telemetry.jsonl');
    expect(await instanceTelemetryFiles(file)).toEqual([file]);
  });

  it("never takes a worker's file for an archive of the configured file, nor the reverse", async () => {
    await touch('telemetry.jsonl', 'telemetry-w1.jsonl', 'telemetry-w1.jsonl.20260101-000000-000');
    expect(await listRotatedFiles(path.join(dir, 'telemetry.jsonl'))).toEqual([]);
    expect(await listRotatedFiles(path.join(dir, 'telemetry-w1.jsonl'))).toEqual([
      path.join(dir, 'telemetry-w1.jsonl.20260101-000000-000'),
    ]);
  });
});
