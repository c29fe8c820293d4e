import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  symlink,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import ts from 'typescript';
import { afterAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { isEventKitError } from '../errors.js';
import { listRotatedFiles } from '../rotation/rotated-files.js';
import type { TelemetryEventInput } from './event.js';
import { formatTelemetryLine, parseTelemetryLine } from './event.js';
import { createTelemetryWriter } from './telemetry-writer.js';

async function tempFile(name = 'telemetry.jsonl'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'eventkit-writer-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return join(dir, name);
}

function event(i: number): TelemetryEventInput {
  return {
    ts: 1_732_540_000 + i / 1000,
    action: ['recommend', 'explain', 'export'][i % 3] as string,
    success: i % 17 !== 0,
    latency_ms: (i * 7.3) % 250,
    payload: { i, interests_count: i % 5 },
    error: i % 17 === 0 ? 'boom' : null,
    trace_id: i.toString(16).padStart(32, '0'),
  };
}

/** The exact line the writer must produce for an input. */
function expectedLine(input: TelemetryEventInput): string {
  const parsed = parseTelemetryLine(JSON.stringify(input));
  if (!parsed.ok) throw new Error(parsed.reason);
  return formatTelemetryLine(parsed.event);
}

/** Every line on disk, archives (oldest first, `.gz` or not) then the live file. */
async function allFiles(file: string): Promise<string[]> {
  const archives = await listRotatedFiles(file);
  return existsSync(file) ? [...archives, file] : archives;
}

function contentOf(path: string): string {
  const raw = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
}

async function linesOnDisk(file: string): Promise<string[]> {
  const text = (await allFiles(file)).map(contentOf).join('');
  return text === '' ? [] : text.split(/(?<=\n)/);
}

describe('createTelemetryWriter', () => {
  it('appends one JSON line per event, filling payload {} and error null', async () => {
    const file = await tempFile();
    const writer = createTelemetryWriter({ file });
    writer.write({ ts: 1732540000.123, action: 'recommend', success: true, latency_ms: 12.5 });
    await writer.flush();
    expect(await readFile(file, 'utf8')).toBe(
      '{"ts":1732540000.123,"action":"recommend","success":true,"latency_ms":12.5,"payload":{},"error":null}\n',
    );
    expect(writer.stats).toEqual({ written: 1, dropped: 0, errors: 0, rotations: 0, gaps: 0 });
    await writer.close();
  });

  it('resolves a relative file against the working directory', () => {
    const writer = createTelemetryWriter({ file: 'telemetry.jsonl', enabled: false });
    expect(writer.file).toBe(join(process.cwd(), 'telemetry.jsonl'));
  });

  it('creates missing directories and appends to an existing file', async () => {
    const file = join(await tempFile(), 'nested', 'telemetry.jsonl');
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, expectedLine(event(0)));
    const writer = createTelemetryWriter({ file });
    writer.write(event(1));
    await writer.close();
    expect(await linesOnDisk(file)).toEqual([expectedLine(event(0)), expectedLine(event(1))]);
  });

  it('does not touch the disk from write(): lines wait for the flush interval', async () => {
    const file = await tempFile();
    const writer = createTelemetryWriter({ file, flushIntervalMs: 30 });
    writer.write(event(1));
    expect(existsSync(file)).toBe(false);
    await vi.waitFor(() => expect(writer.stats.written).toBe(1), { timeout: 5000, interval: 5 });
    expect(await linesOnDisk(file)).toEqual([expectedLine(event(1))]);
    await writer.close();
  });

  it('keeps writing after a flush() that found nothing to write', async () => {
    const file = await tempFile();
    const writer = createTelemetryWriter({ file });
    await writer.flush();
    writer.write(event(1));
    await writer.flush();
    writer.write(event(2));
    await writer.close();
    expect(await linesOnDisk(file)).toEqual([expectedLine(event(1)), expectedLine(event(2))]);
  });

  it('writes as soon as maxBufferBytes are waiting, without waiting for the interval', async () => {
    const file = await tempFile();
    const writer = createTelemetryWriter({
      file,
      flushIntervalMs: 3_600_000,
      maxBufferBytes: 1000,
    });
    for (let i = 0; i < 20; i++) writer.write(event(i));
    await vi.waitFor(() => expect(writer.stats.written).toBe(20), { timeout: 5000, interval: 5 });
    await writer.close();
  });

  it('close() loses nothing written just before it', async () => {
    const file = await tempFile();
    const writer = createTelemetryWriter({ file, flushIntervalMs: 3_600_000 });
    const inputs = Array.from({ length: 5000 }, (_, i) => event(i));
    for (const input of inputs) writer.write(input);
    await writer.close();
    expect(await linesOnDisk(file)).toEqual(inputs.map(expectedLine));
    expect(writer.stats.written).toBe(5000);
  });

  it('keeps every line, in order, across many rotations under thousands of concurrent writes', async () => {
    const file = await tempFile();
    const maxSizeBytes = 2048;
    const writer = createTelemetryWriter({
      file,
      maxSizeBytes,
      flushIntervalMs: 1,
      maxBufferBytes: 3000,
      retention: { maxFiles: 0, maxAgeDays: 0 },
    });
    const expected: string[] = [];
    let next = 0;
    // 40 concurrent producers, each yielding between writes, as request handlers would.
    await Promise.all(
      Array.from({ length: 40 }, async (_, producer) => {
        for (let k = 0; k < 100; k++) {
          const input = event(next++);
          expected.push(expectedLine(input));
          writer.write(input);
          if ((k + producer) % 3 === 0) await new Promise((done) => setImmediate(done));
        }
      }),
    );
    await writer.close();

    const files = await allFiles(file);
    expect(await linesOnDisk(file)).toEqual(expected);
    expect(writer.stats).toMatchObject({ written: 4000, dropped: 0, errors: 0 });
    expect(writer.stats.rotations).toBe(files.length - 1);
    expect(writer.stats.rotations).toBeGreaterThan(100);
    for (const path of files) {
      const text = contentOf(path);
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(maxSizeBytes);
      expect(text.endsWith('\n')).toBe(true);
    }
    // Every archive is compressed once close() has waited for the background work.
    expect(files.slice(0, -1).every((path) => path.endsWith('.gz'))).toBe(true);
  });

  it('rotates before a line would cross maxSizeBytes, not after', async () => {
    const file = await tempFile();
    const line = expectedLine(event(1));
    const size = Buffer.byteLength(line);
    const writer = createTelemetryWriter({ file, maxSizeBytes: size * 2 + 1, compress: false });
    for (let i = 0; i < 3; i++) writer.write(event(1));
    await writer.close();
    const [archive, ...rest] = await listRotatedFiles(file);
    expect(rest).toEqual([]);
    expect(await readFile(archive as string, 'utf8')).toBe(line + line);
    expect(await readFile(file, 'utf8')).toBe(line);
  });

  it('writes a line larger than maxSizeBytes alone in its own file rather than dropping it', async () => {
    const file = await tempFile();
    const writer = createTelemetryWriter({ file, maxSizeBytes: 10, compress: false });
    writer.write(event(1));
    writer.write(event(2));
    await writer.close();
    expect(await linesOnDisk(file)).toEqual([expectedLine(event(1)), expectedLine(event(2))]);
    expect(writer.stats.rotations).toBe(1);
  });

  it('keeps lines bigger than its buffer and multi-byte characters byte for byte, across rotations', async () => {
    const file = await tempFile();
    const writer = createTelemetryWriter({
      file,
      maxBufferBytes: 1024,
      maxSizeBytes: 300_000,
      compress: false,
    });
    const inputs: TelemetryEventInput[] = [];
    for (let i = 0; i < 60; i++) {
      const big = i % 7 === 3 ? { note: 'é€😀'.repeat(20_000 + i) } : { i, city: 'Zürich' };
      inputs.push({ ...event(i), payload: big, error: i % 5 === 0 ? 'café ☕' : null });
    }
    for (const input of inputs) writer.write(input);
    await writer.close();
    expect(await linesOnDisk(file)).toEqual(inputs.map(expectedLine));
    expect(writer.stats).toMatchObject({ written: 60, dropped: 0, errors: 0 });
    expect(writer.stats.rotations).toBeGreaterThan(2);
  });

  it('writes nothing, not even an empty file, when disabled', async () => {
    const file = join(await tempFile(), 'sub', 'telemetry.jsonl');
    const writer = createTelemetryWriter({ file, enabled: false });
    for (let i = 0; i < 100; i++) writer.write(event(i));
    await writer.flush();
    await writer.close();
    expect(existsSync(dirname(file))).toBe(false);
    expect(writer.stats).toEqual({ written: 0, dropped: 0, errors: 0, rotations: 0, gaps: 0 });
  });

  it('registers one exit handler per enabled writer and removes it on close()', async () => {
    const before = process.listenerCount('exit');
    const writers = [0, 1, 2].map(async () => createTelemetryWriter({ file: await tempFile() }));
    const open = await Promise.all(writers);
    const disabled = createTelemetryWriter({ file: await tempFile(), enabled: false });
    expect(process.listenerCount('exit')).toBe(before + 3);
    await Promise.all([...open, disabled].map((writer) => writer.close()));
    expect(process.listenerCount('exit')).toBe(before);
  });

  it('counts events written after close() as dropped', async () => {
    const file = await tempFile();
    const writer = createTelemetryWriter({ file });
    await writer.close();
    writer.write(event(1));
    expect(writer.stats.dropped).toBe(1);
  });

  it.each([
    [
      'a directory path that is a file',
      async () => join(await tempFile('not-a-dir'), 'telemetry.jsonl'),
      true,
    ],
    [
      'a directory that cannot be created',
      async () => '/proc/eventkit-test/telemetry.jsonl',
      false,
    ],
    ['a full disk (/dev/full: ENOSPC)', async () => '/dev/full', false],
  ])(
    'reports and counts a write failure on %s, never throwing',
    async (_name, makePath, makeParent) => {
      const file = await makePath();
      if (makeParent) await writeFile(dirname(file), 'I am a file\n');
      const errors: unknown[] = [];
      const writer = createTelemetryWriter({
        file,
        maxSizeBytes: 0,
        onError: (e) => errors.push(e),
      });
      expect(() => {
        for (let i = 0; i < 10; i++) writer.write(event(i));
      }).not.toThrow();
      await expect(writer.flush()).resolves.toBeUndefined();
      await expect(writer.close()).resolves.toBeUndefined();
      expect(writer.stats.written).toBe(0);
      expect(writer.stats.dropped).toBe(10);
      expect(writer.stats.errors).toBeGreaterThanOrEqual(1);
      expect(errors.length).toBe(writer.stats.errors);
      const first = errors[0];
      expect(isEventKitError(first) && first.code).toBe('WRITE_FAILED');
      expect((first as Error).message).toContain('Cannot write to telemetry file');
    },
  );

  it('keeps writing after a failure once the problem is gone', async () => {
    const dir = await tempFile('blocker');
    await writeFile(dir, 'a file where the directory should be\n');
    const file = join(dir, 'telemetry.jsonl');
    const writer = createTelemetryWriter({ file, onError: () => undefined });
    writer.write(event(1));
    await writer.flush();
    expect(writer.stats.dropped).toBe(1);
    await rm(dir);
    writer.write(event(2));
    await writer.close();
    const [gap, line] = await linesOnDisk(file);
    expect(JSON.parse(gap as string)).toMatchObject({ action: 'telemetry_gap' });
    expect(line).toBe(expectedLine(event(2)));
  });

  it.each([
    ['a missing action', { ts: 1, success: true, latency_ms: 1 }],
    ['a string ts', { ts: '1', action: 'a', success: true, latency_ms: 1 }],
    ['a negative latency', { ts: 1, action: 'a', success: true, latency_ms: -1 }],
    ['a NaN latency', { ts: 1, action: 'a', success: true, latency_ms: Number.NaN }],
    ['an array payload', { ts: 1, action: 'a', success: true, latency_ms: 1, payload: [] }],
    [
      'a BigInt in the payload',
      { ts: 1, action: 'a', success: true, latency_ms: 1, payload: { n: 1n } },
    ],
    ['null', null],
  ])('drops and reports %s without throwing', async (_name, input) => {
    const file = await tempFile();
    const errors: unknown[] = [];
    const writer = createTelemetryWriter({ file, onError: (e) => errors.push(e) });
    expect(() => writer.write(input as TelemetryEventInput)).not.toThrow();
    writer.write(event(1));
    await writer.close();
    expect(writer.stats).toMatchObject({ written: 1, dropped: 1, errors: 1 });
    expect(isEventKitError(errors[0]) && errors[0].code).toBe('INVALID_INPUT');
    expect(await linesOnDisk(file)).toEqual([expectedLine(event(1))]);
  });

  it('does not let a throwing onError escape', async () => {
    const writer = createTelemetryWriter({
      file: '/dev/full',
      onError: () => {
        throw new Error('callback bug');
      },
    });
    writer.write(event(1));
    await expect(writer.close()).resolves.toBeUndefined();
    expect(writer.stats.errors).toBe(1);
  });

  it('drops (and counts) events beyond maxPendingBytes instead of growing without bound', async () => {
    const file = await tempFile();
    const errors: unknown[] = [];
    const line = expectedLine(event(1)).length;
    const writer = createTelemetryWriter({
      file,
      maxPendingBytes: line * 10,
      maxBufferBytes: line * 100,
      onError: (e) => errors.push(e),
    });
    for (let i = 0; i < 15; i++) writer.write(event(1));
    await writer.close();
    expect(writer.stats).toMatchObject({ written: 10, dropped: 5, errors: 1 });
  });

  it('keeps only the newest maxFiles archives', async () => {
    const file = await tempFile();
    const writer = createTelemetryWriter({
      file,
      maxSizeBytes: 600,
      retention: { maxFiles: 3, maxAgeDays: 0 },
    });
    const inputs = Array.from({ length: 200 }, (_, i) => event(i));
    for (const input of inputs) {
      writer.write(input);
      await writer.flush();
    }
    await writer.close();
    const archives = await listRotatedFiles(file);
    expect(archives).toHaveLength(3);
    expect(writer.stats.rotations).toBeGreaterThan(3);
    // What is left is the tail of the stream: the newest archives, then the live file.
    const lines = await linesOnDisk(file);
    expect(lines).toEqual(inputs.slice(inputs.length - lines.length).map(expectedLine));
  });

  it('deletes archives older than maxAgeDays, judged by the injected clock', async () => {
    const file = await tempFile();
    const now = new Date('2024-03-15T12:00:00Z');
    const day = 86_400_000;
    const old = `${file}.20240201-000000-000.gz`;
    const young = `${file}.20240310-000000-000.gz`;
    for (const [path, age] of [
      [old, 31],
      [young, 5],
    ] as const) {
      await writeFile(path, '');
      const at = new Date(now.getTime() - age * day);
      await utimes(path, at, at);
    }
    const writer = createTelemetryWriter({ file, now: () => now, retention: { maxAgeDays: 30 } });
    writer.write(event(1));
    await writer.close();
    expect((await listRotatedFiles(file)).map((path) => basename(path))).toEqual([basename(young)]);
  });

  it('names archives in rotation order even when the clock stands still or goes back', async () => {
    const file = await tempFile();
    const times = [new Date('2024-03-15T12:00:00Z'), new Date('2024-03-15T11:00:00Z')];
    let calls = 0;
    const writer = createTelemetryWriter({
      file,
      maxSizeBytes: 300,
      retention: { maxFiles: 0, maxAgeDays: 0 },
      now: () => times[calls++ % 2] as Date,
    });
    const inputs = Array.from({ length: 30 }, (_, i) => event(i));
    for (const input of inputs) writer.write(input);
    await writer.close();
    expect(writer.stats.rotations).toBeGreaterThan(5);
    expect(await linesOnDisk(file)).toEqual(inputs.map(expectedLine));
  });

  it('compresses archives a previous run left uncompressed', async () => {
    const file = await tempFile();
    const leftover = `${file}.20240315-083000-123`;
    await writeFile(leftover, expectedLine(event(0)));
    const writer = createTelemetryWriter({ file, retention: { maxAgeDays: 0 } });
    writer.write(event(1));
    await writer.close();
    expect(await allFiles(file)).toEqual([`${leftover}.gz`, file]);
    expect(await linesOnDisk(file)).toEqual([expectedLine(event(0)), expectedLine(event(1))]);
  });

  it('starts a new live file when someone else renamed the current one', async () => {
    const file = await tempFile();
    const writer = createTelemetryWriter({ file, compress: false });
    writer.write(event(1));
    await writer.flush();
    await rename(file, `${file}.20240101-000000-000`);
    writer.write(event(2));
    await writer.close();
    expect(await readFile(file, 'utf8')).toBe(expectedLine(event(2)));
    expect(await linesOnDisk(file)).toEqual([expectedLine(event(1)), expectedLine(event(2))]);
  });
});

describe('createTelemetryWriter with logrotate copytruncate', () => {
  it('continues at the new end of a truncated file, leaving no hole of NUL bytes', async () => {
    const file = await tempFile();
    const writer = createTelemetryWriter({ file });
    writer.write(event(1));
    await writer.flush();
    await truncate(file, 0);
    writer.write(event(2));
    await writer.close();
    expect(await readFile(file, 'utf8')).toBe(expectedLine(event(2)));
  });
});

describe('createTelemetryWriter on process exit', () => {
  const coreSrc = join(dirname(fileURLToPath(import.meta.url)), '..');

  let transpiled: Promise<string> | undefined;
  afterAll(async () => {
    if (transpiled) await rm(await transpiled, { recursive: true, force: true });
  });

  /** Core's sources as plain ESM in a temp dir (tests must not depend on a prior build). */
  async function transpiledCore(): Promise<string> {
    const out = await mkdtemp(join(tmpdir(), 'eventkit-core-js-'));
    const walk = async (dir: string): Promise<string[]> => {
      const entries = await readdir(dir, { withFileTypes: true });
      const nested = await Promise.all(
        entries.map((entry) =>
          entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
        ),
      );
      return nested.flat();
    };
    // The writer's import graph: telemetry/, rotation/ and errors.ts.
    const sources = [
      ...(await walk(join(coreSrc, 'telemetry'))),
      ...(await walk(join(coreSrc, 'rotation'))),
      join(coreSrc, 'errors.ts'),
    ];
    for (const path of sources) {
      if (!path.endsWith('.ts') || path.endsWith('.test.ts')) continue;
      const { outputText } = ts.transpileModule(await readFile(path, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      const target = join(out, relative(coreSrc, path)).replace(/\.ts$/, '.js');
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, outputText);
    }
    await symlink(join(coreSrc, '..', 'node_modules'), join(out, 'node_modules'), 'dir');
    return out;
  }

  it.each([
    ['with everything still buffered', 0, 65536, 'exit'],
    ['with writes in flight', 500, 65536, 'exit'],
    ['mid-rotation and mid-compression', 40, 2048, 'exit'],
    ['on an uncaught exception', 500, 65536, 'throw'],
  ])(
    'keeps every line when the process exits %s, without close()',
    async (_name, every, max, how) => {
      transpiled ??= transpiledCore();
      const core = await transpiled;
      const file = await tempFile();
      const script = join(core, 'child.mjs');
      await writeFile(
        script,
        `import { createTelemetryWriter } from './telemetry/telemetry-writer.js';
const [file, every, max] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const writer = createTelemetryWriter({ file, maxSizeBytes: max, flushIntervalMs: 1, maxBufferBytes: 4096, retention: { maxFiles: 0, maxAgeDays: 0 }, onError: (e) => { console.error(String(e)); process.exitCode = 3; } });
for (let i = 0; i < 20000; i++) {
  writer.write({ ts: 1732540000 + i / 1000, action: 'recommend', success: true, latency_ms: i % 100, payload: { i } });
  if (every > 0 && i % every === 0) await new Promise((done) => setImmediate(done));
}
if (process.argv[5] === 'throw') setImmediate(() => { throw new Error('crash'); });
else process.exit();
`,
      );
      const child = spawnSync(process.execPath, [script, file, String(every), String(max), how], {
        encoding: 'utf8',
      });
      if (how === 'throw') {
        expect(child.stderr).toContain('Error: crash');
        expect(child.status).toBe(1);
      } else {
        expect(child.stderr).toBe('');
        expect(child.status).toBe(0);
      }
      const lines = await linesOnDisk(file);
      expect(lines).toHaveLength(20000);
      expect(lines.map((line) => JSON.parse(line).payload.i)).toEqual(
        Array.from({ length: 20000 }, (_, i) => i),
      );
    },
  );

  it('writes the unrecorded gap first when the process exits, without close()', async () => {
    transpiled ??= transpiledCore();
    const core = await transpiled;
    const dir = dirname(await tempFile());
    const blocker = join(dir, 'logs');
    const file = join(blocker, 'telemetry.jsonl');
    const script = join(core, 'child-gap.mjs');
    await writeFile(
      script,
      `import { rmSync, writeFileSync } from 'node:fs';
import { createTelemetryWriter } from './telemetry/telemetry-writer.js';
const [blocker, file] = process.argv.slice(2);
writeFileSync(blocker, 'in the way');
const writer = createTelemetryWriter({ file, retryIntervalMs: 60000, onError: () => {} });
const event = (i) => ({ ts: 1732540000 + i, action: 'recommend', success: true, latency_ms: 1, payload: { i } });
for (let i = 0; i < 5; i++) writer.write(event(i));
await writer.flush();
rmSync(blocker);
for (let i = 5; i < 8; i++) writer.write(event(i));
process.exit();
`,
    );
    const child = spawnSync(process.execPath, [script, blocker, file], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    const lines = (await linesOnDisk(file)).map((line) => JSON.parse(line));
    expect(lines.map((line) => line.action)).toEqual([
      'telemetry_gap',
      'recommend',
      'recommend',
      'recommend',
    ]);
    expect(lines[0].payload).toEqual({ dropped: 5, since: 1732540000, until: 1732540004 });
    expect(lines.slice(1).map((line) => line.payload.i)).toEqual([5, 6, 7]);
  });
});
