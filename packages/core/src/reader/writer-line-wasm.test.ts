import { isUtf8 } from 'node:buffer';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ACTION_MAX_LENGTH,
  formatTelemetryLine,
  INSTANCE_MAX_LENGTH,
  parseTelemetryLine,
  TRACE_ID_MAX_LENGTH,
} from '../telemetry/event.js';
import { createLineAccelerator } from './line-accelerator.js';
import { createScannedLine, type ScannedLine, scanWriterLine } from './line-scanner.js';
import {
  event,
  mutate,
  mutation,
  singleByteChanges,
} from './test-support/telemetry-arbitraries.js';
import {
  createWasmWriterLines,
  loadWriterLinesModule,
  SCAN_BATCH_FULL,
  SCAN_NEW_ACTION,
  SCAN_STOPPED,
  type WasmModule,
  wasmDisabled,
  writerLinesModule,
} from './writer-line-wasm.js';

// The kernel is built by `pnpm build` (CI builds before it tests). Without a build these tests
// are skipped, except in CI, where a missing kernel fails them.
const module = loadWriterLinesModule();
const KERNEL = module === undefined && !process.env.CI ? describe.skip : describe;

function kernel(): WasmModule {
  if (module === undefined) {
    throw new Error('wasm/writer-line.wasm is missing: run pnpm --filter @eventkit/core build');
  }
  return module;
}

const wasm = module === undefined ? undefined : createWasmWriterLines(module);
const OFFSET = 100;

function fields(buf: Buffer, out: ScannedLine) {
  return {
    ts: out.ts,
    action: buf.toString('latin1', out.actionStart, out.actionEnd),
    success: out.success,
    latency_ms: out.latencyMs,
    instance:
      out.instanceStart < 0
        ? undefined
        : buf.toString('latin1', out.instanceStart, out.instanceEnd),
  };
}

/**
 * Both scanners on the line followed by a newline and more lines, as the framer calls them.
 * Asserts that the WebAssembly one claims a line only when the JavaScript one claims it (same
 * newline, same fields) and parseTelemetryLine accepts it; returns who claimed it.
 */
function compare(line: Buffer): { wasm: boolean; js: boolean } {
  const wasm = createdKernel();
  const padded = Buffer.concat([line, Buffer.from('\n{"ts":1}\n,}"1 ')]);
  padded.copy(wasm.buffer, OFFSET);
  const limit = OFFSET + padded.length;
  const viaWasm = createScannedLine();
  const wasmNewline = wasm.scan(OFFSET, limit, viaWasm);
  const viaJs = createScannedLine();
  const jsNewline = scanWriterLine(wasm.buffer, OFFSET, limit, viaJs);
  if (wasmNewline >= 0) {
    expect(jsNewline, line.toString('latin1')).toBe(wasmNewline);
    expect(fields(wasm.buffer, viaWasm)).toStrictEqual(fields(wasm.buffer, viaJs));
    const parsed = isUtf8(line) ? parseTelemetryLine(line.toString('utf8')) : { ok: false };
    expect(parsed.ok).toBe(true);
  }
  return { wasm: wasmNewline >= 0, js: jsNewline >= 0 };
}

/** Our writer's lines with numbers as the agent writes them (milliseconds, 3 decimals). */
const writerEvent = fc.record({
  ts: fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }).map((ms) => ms / 1000),
  action: fc.oneof(
    fc.constantFrom('recommend', 'explain', 'export', 'unauthorized'),
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }),
  ),
  success: fc.boolean(),
  latency_ms: fc.integer({ min: 0, max: 100_000_000 }).map((n) => n / 1000),
  payload: fc.dictionary(
    fc.string({ maxLength: 20 }),
    fc.oneof(fc.integer(), fc.string({ maxLength: 30 }), fc.boolean(), fc.constant(null)),
    { maxKeys: 6 },
  ),
  error: fc.option(fc.string({ maxLength: 40 }), { nil: null }),
  trace_id: fc.option(fc.stringMatching(/^[0-9a-f]{32}$/), { nil: undefined }),
  instance: fc.option(fc.constantFrom('web1', 'web1-w2', 'api.example.org-w16'), {
    nil: undefined,
  }),
});

function createdKernel() {
  return wasm ?? createWasmWriterLines(kernel());
}

KERNEL('the WebAssembly kernel (skipped outside CI until `pnpm build` has built it)', () => {
  it('is built', () => {
    expect(module, 'run pnpm --filter @eventkit/core build').toBeDefined();
  });

  it("checks core's length limits, set at instantiation", () => {
    const line = (action: string, trace: string, instance: string) =>
      Buffer.from(
        `{"ts":1,"action":"${action}","success":true,"latency_ms":1,"payload":{},"error":null,"trace_id":"${trace}","instance":"${instance}"}`,
      );
    const a = 'a'.repeat(ACTION_MAX_LENGTH);
    const t = 'f'.repeat(TRACE_ID_MAX_LENGTH);
    const i = 'i'.repeat(INSTANCE_MAX_LENGTH);
    expect(compare(line(a, t, i))).toStrictEqual({ wasm: true, js: true });
    expect(compare(line(`${a}a`, t, i))).toStrictEqual({ wasm: false, js: false });
    expect(compare(line(a, `${t}f`, i))).toStrictEqual({ wasm: false, js: false });
    expect(compare(line(a, t, `${i}i`))).toStrictEqual({ wasm: false, js: false });
  });

  it("claims every line of our writer's that the JavaScript scanner claims, with the same fields", () => {
    let claimed = 0;
    fc.assert(
      fc.property(writerEvent, (e) => {
        const result = compare(Buffer.from(formatTelemetryLine(e).slice(0, -1)));
        expect(result.wasm).toBe(result.js);
        if (result.wasm) claimed++;
      }),
      { numRuns: 3000 },
    );
    // The rest have escaped keys or names (quotes, control characters), left to the slow path.
    expect(claimed).toBeGreaterThan(1500);
  });

  it('claims only what the JavaScript scanner claims (random events and mutated lines)', () => {
    fc.assert(
      fc.property(event, fc.array(mutation, { maxLength: 4 }), (e, mutations) => {
        compare(mutate(Buffer.from(formatTelemetryLine(e).slice(0, -1)), mutations));
      }),
      { numRuns: 8000 },
    );
  });

  it.each([
    [
      'the DESIGN.md example',
      '{"ts":1732540000.123,"action":"recommend","success":true,"latency_ms":12.5,"payload":{"interests_count":3,"top":5,"source":"manifest","conflicts":2,"returned":5},"error":null,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}',
    ],
    [
      'a line with a trace id and an instance',
      '{"ts":2.5,"action":"recommend","success":true,"latency_ms":3,"payload":{},"error":null,"trace_id":"4bf9","instance":"web1-w2"}',
    ],
    [
      'a line with an instance only',
      '{"ts":2.5,"action":"recommend","success":true,"latency_ms":3,"payload":{},"error":null,"instance":"web1"}',
    ],
    [
      'a failure with escapes and non-ASCII',
      '{"ts":0.5,"action":"x","success":false,"latency_ms":0,"payload":{"k\u00e9":"v\\"w","n":-12.5},"error":"not \\"found\\" \\u00e9 caf\u00e9"}',
    ],
  ])('agrees with the JavaScript scanner on every single-byte change of %s', (_name, text) => {
    const line = Buffer.from(text);
    expect(compare(line)).toStrictEqual({ wasm: true, js: true });
    for (const changed of singleByteChanges(line)) compare(changed);
  });

  it.each([
    ['a 17-digit timestamp', '{"ts":1766006109.4001617,'],
    ['an exponent', '{"ts":1.5e9,'],
  ])('leaves %s to the slow path', (_name, head) => {
    const line = Buffer.from(
      `${head}"action":"a","success":true,"latency_ms":1,"payload":{},"error":null}`,
    );
    expect(compare(line)).toStrictEqual({ wasm: false, js: true });
  });

  it('never reads past the limit, even at the end of its memory', () => {
    const wasm = createdKernel();
    const line = Buffer.from(
      '{"ts":1,"action":"a","success":true,"latency_ms":1,"payload":{"k":"v"},"error":null}\n',
    );
    const start = wasm.buffer.length - line.length;
    line.copy(wasm.buffer, start);
    const out = createScannedLine();
    expect(wasm.scan(start, wasm.buffer.length, out)).toBe(wasm.buffer.length - 1);
    // Without its newline the line is incomplete: not claimed, whatever follows in memory.
    for (let cut = 1; cut < line.length; cut++) {
      expect(wasm.scan(start, wasm.buffer.length - cut, out)).toBe(-1);
    }
  });

  it('scanLines batches lines per action, stopping at new actions, full batches and other lines', () => {
    const lines = createWasmWriterLines(kernel());
    const line = (
      ts: number,
      action: string,
      success: boolean,
      latency: number,
      instance?: string,
    ) =>
      formatTelemetryLine({
        ts,
        action,
        success,
        latency_ms: latency,
        payload: {},
        error: null,
        ...(instance === undefined ? {} : { instance }),
      });
    const text = [
      line(10, 'a', true, 1.5),
      line(11, 'b', false, 2, 'web1-w2'),
      line(12, 'a', false, 3, 'web1'),
      line(99, 'a', true, 4), // outside the window: taken, not kept
      ...Array.from({ length: 1024 }, (_, k) => line(20, 'b', true, k)),
      '{"ts": 1}\n',
      line(13, 'a', true, 5),
    ].join('');
    const bytes = Buffer.from(text);
    bytes.copy(lines.buffer);
    lines.reset(0, 50, 1024);
    const out = createScannedLine();

    expect(lines.scanLines(0, bytes.length)).toBe(SCAN_NEW_ACTION);
    expect(lines.taken).toBe(0);
    lines.lastLine(out);
    expect(lines.addAction(out.actionStart, out.actionEnd, true)).toBe(0);
    expect(lines.scanLines(lines.next, bytes.length)).toBe(SCAN_NEW_ACTION);
    expect(lines.taken).toBe(1);
    lines.lastLine(out);
    expect(lines.addAction(out.actionStart, out.actionEnd, true)).toBe(1);
    expect(lines.scanLines(lines.next, bytes.length)).toBe(SCAN_BATCH_FULL);
    expect(lines.taken).toBe(3 + 1023);
    expect(lines.batchId).toBe(1);
    const b = lines.batch(1);
    expect([b.samples, b.failed, b.minTs, b.maxTs]).toEqual([1024, 1, 11, 20]);
    expect(b.latencies[0]).toBe(2);
    lines.resetBatch(1);
    expect(lines.scanLines(lines.next, bytes.length)).toBe(SCAN_STOPPED);
    expect(lines.taken).toBe(1);
    expect(bytes.toString('latin1', lines.next, lines.next + 9)).toBe('{"ts": 1}');
    const a = lines.batch(0);
    expect([...a.latencies]).toEqual([1.5, 3]);
    expect([a.samples, a.failed, a.minTs, a.maxTs]).toEqual([2, 1, 10, 12]);
  });
});

describe('without the kernel', () => {
  let dir: string | undefined;
  afterEach(async () => {
    vi.unstubAllEnvs();
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('loads nothing, without throwing, from a missing or broken file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'eventkit-wasm-'));
    const broken = join(dir, 'writer-line.wasm');
    await writeFile(broken, 'not WebAssembly');
    expect(loadWriterLinesModule(pathToFileURL(join(dir, 'missing.wasm')))).toBeUndefined();
    expect(loadWriterLinesModule(pathToFileURL(broken))).toBeUndefined();
  });

  it('gives no accelerator for a module that does not match this code, so callers decode in JavaScript', async () => {
    dir = await mkdtemp(join(tmpdir(), 'eventkit-wasm-'));
    const file = join(dir, 'empty.wasm');
    await writeFile(file, Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    const empty = loadWriterLinesModule(pathToFileURL(file));
    expect(empty).toBeDefined();
    const sink = { addBatch: () => undefined, addLine: () => undefined };
    const options = { since: 0, until: 1, wanted: () => true, sink, module: empty };
    expect(createLineAccelerator(options)).toBeUndefined();
  });

  it('is disabled by EVENTKIT_WASM=0', () => {
    vi.stubEnv('EVENTKIT_WASM', '0');
    expect(writerLinesModule()).toBeUndefined();
    const sink = { addBatch: () => undefined, addLine: () => undefined };
    expect(createLineAccelerator({ since: 0, until: 1, wanted: () => true, sink })).toBeUndefined();
  });

  it.each([
    ['0', true],
    ['false', true],
    ['off', true],
    ['1', false],
    ['', false],
    [undefined, false],
  ])('EVENTKIT_WASM=%s disables the kernel: %s', (value, disabled) => {
    expect(wasmDisabled({ EVENTKIT_WASM: value })).toBe(disabled);
  });
});
