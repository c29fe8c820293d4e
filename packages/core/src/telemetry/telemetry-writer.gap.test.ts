import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { listRotatedFiles } from '../rotation/rotated-files.js';
import { run, tmpfsUnavailable } from '../test-support/tmpfs.js';
import type { TelemetryEvent, TelemetryEventInput } from './event.js';
import { parseTelemetryLine, TELEMETRY_GAP_ACTION } from './event.js';
import { createTelemetryWriter, type TelemetryGap } from './telemetry-writer.js';

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'eventkit-gap-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function event(i: number): TelemetryEventInput {
  return {
    ts: 1_732_540_000 + i,
    action: 'recommend',
    success: true,
    latency_ms: i % 100,
    payload: { i },
  };
}

/** Every line of the live file and its archives, each parsed: a half line fails the test. */
function eventsOnDisk(file: string, archives: string[]): TelemetryEvent[] {
  const paths = existsSync(file) ? [...archives, file] : archives;
  return paths.flatMap((path) => {
    const text = readFileSync(path, 'utf8');
    expect(text === '' || text.endsWith('\n'), `${path} ends with a whole line`).toBe(true);
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const parsed = parseTelemetryLine(line);
        if (!parsed.ok) throw new Error(`${path}: ${parsed.reason}: ${line}`);
        return parsed.event;
      });
  });
}

/**
 * What the files say: the events on disk (by payload `i`) and the gap records. The test's
 * invariant: every event written is either on disk or counted in a gap record, exactly.
 */
async function account(file: string) {
  const all = eventsOnDisk(file, await listRotatedFiles(file));
  const gaps = all.filter((e) => e.action === TELEMETRY_GAP_ACTION);
  const kept = all.filter((e) => e.action !== TELEMETRY_GAP_ACTION).map((e) => e.payload.i);
  const dropped = gaps.reduce((sum, gap) => sum + (gap.payload.dropped as number), 0);
  return { kept: kept as number[], gaps, dropped };
}

/** Writes events [from, to) in batches of `batch`, flushing after each batch. */
async function writeEvents(
  writer: ReturnType<typeof createTelemetryWriter>,
  from: number,
  to: number,
  batch = 20,
): Promise<void> {
  for (let i = from; i < to; i++) {
    writer.write(event(i));
    if ((i + 1 - from) % batch === 0) await writer.flush();
  }
  await writer.flush();
}

const cannotMount = tmpfsUnavailable();
const skipped = (name: string) => (cannotMount ? `${name} (skipped: ${cannotMount})` : name);
const permissionSkip = process.getuid?.() === 0 ? cannotMount : undefined;
const permissionFault = permissionSkip
  ? `a read-only mount as root; skipped: ${permissionSkip}`
  : process.getuid?.() === 0
    ? 'a read-only bind mount, which root cannot write through'
    : 'a directory without write permission';

describe('createTelemetryWriter gap records', () => {
  it('writes one gap record before the first line that lands after a failure', async () => {
    const dir = await tempDir();
    const blocker = join(dir, 'logs');
    await writeFile(blocker, 'a file where the directory should be\n');
    const file = join(blocker, 'telemetry.jsonl');
    const recorded: TelemetryGap[] = [];
    const writer = createTelemetryWriter({
      file,
      onError: () => undefined,
      onGapRecorded: (gap) => recorded.push(gap),
      now: () => new Date(1_800_000_000_000),
    });
    await writeEvents(writer, 0, 30, 10);
    expect(writer.gap).toEqual({
      dropped: 30,
      since: 1_732_540_000,
      until: 1_732_540_029,
      reason: 'ENOTDIR: not a directory',
    });
    await rm(blocker);
    await writeEvents(writer, 30, 35);
    await writer.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines[0]).toBe(
      '{"ts":1800000000,"action":"telemetry_gap","success":false,"latency_ms":0,"payload":{"dropped":30,"since":1732540000,"until":1732540029},"error":"ENOTDIR: not a directory"}',
    );
    expect(lines.slice(1, -1).map((line) => JSON.parse(line).payload.i)).toEqual([
      30, 31, 32, 33, 34,
    ]);
    expect(writer.gap).toBeUndefined();
    expect(writer.stats).toMatchObject({ written: 5, dropped: 30, gaps: 1 });
    expect(recorded).toHaveLength(1);
  });

  it('records the gap as soon as the disk is back, even when no event follows', async () => {
    const dir = await tempDir();
    const blocker = join(dir, 'logs');
    await writeFile(blocker, 'in the way\n');
    const file = join(blocker, 'telemetry.jsonl');
    const writer = createTelemetryWriter({ file, onError: () => undefined, retryIntervalMs: 5 });
    onTestFinished(() => writer.close());
    await writeEvents(writer, 0, 3);
    expect(writer.gap?.dropped).toBe(3);
    await rm(blocker);
    await vi.waitFor(() => expect(writer.stats.gaps).toBe(1), { timeout: 5000, interval: 5 });
    expect(writer.gap).toBeUndefined();
    const { kept, dropped } = await account(file);
    expect({ kept, dropped }).toEqual({ kept: [], dropped: 3 });
  });

  it('writes the gap at close() when the disk is back, and keeps it counted when it is not', async () => {
    const dir = await tempDir();
    const blocker = join(dir, 'logs');
    await writeFile(blocker, 'in the way\n');
    const file = join(blocker, 'telemetry.jsonl');
    const writer = createTelemetryWriter({
      file,
      onError: () => undefined,
      retryIntervalMs: 60_000,
    });
    await writeEvents(writer, 0, 7);
    await rm(blocker);
    await writer.close();
    expect(await account(file)).toMatchObject({ kept: [], dropped: 7 });

    const stuck = join(dir, 'stuck');
    await writeFile(stuck, 'in the way\n');
    const failing = createTelemetryWriter({
      file: join(stuck, 'telemetry.jsonl'),
      onError: () => undefined,
    });
    await writeEvents(failing, 0, 4);
    await failing.close();
    expect(failing.stats).toMatchObject({ written: 0, dropped: 4, gaps: 0 });
  });

  it.each([
    ['recreated by the writer', false],
    ['replaced by a file until an operator restores it', true],
  ])('accounts for every event when its directory is removed: %s', async (_name, blocked) => {
    const dir = await tempDir();
    const logs = join(dir, 'logs');
    const file = join(logs, 'telemetry.jsonl');
    const writer = createTelemetryWriter({ file, onError: () => undefined, maxSizeBytes: 0 });
    await writeEvents(writer, 0, 10);
    await rm(logs, { recursive: true });
    if (blocked) await writeFile(logs, 'not a directory\n');
    await writeEvents(writer, 10, 50);
    if (blocked) {
      expect(writer.gap?.reason).toBe('ENOTDIR: not a directory');
      await rm(logs);
    }
    await writeEvents(writer, 50, 60);
    await writer.close();
    // The ten lines written before the removal went with the directory; the rest are accounted.
    const { kept, dropped, gaps } = await account(file);
    expect(kept.length + dropped).toBe(50);
    expect(dropped).toBe(writer.stats.dropped);
    expect(gaps).toHaveLength(blocked ? 1 : 0);
    expect(kept).toEqual(blocked ? [50, 51, 52, 53, 54, 55, 56, 57, 58, 59] : range(10, 60));
  });

  it.skipIf(permissionSkip !== undefined)(
    `accounts for every event through a permission fault (${permissionFault})`,
    async () => {
      const dir = await tempDir();
      const logs = join(dir, 'logs');
      await mkdir(logs);
      const file = join(logs, 'telemetry.jsonl');
      const writer = createTelemetryWriter({ file, onError: () => undefined, maxSizeBytes: 0 });
      await writeEvents(writer, 0, 10);
      // As logrotate would: the writer must open a new file in a directory it may not write.
      await rename(file, `${file}.1`);
      const root = process.getuid?.() === 0;
      // Root ignores mode bits, not a read-only mount.
      if (root) {
        expect(run('mount', ['--bind', logs, logs])).toBe(true);
      } else await chmod(logs, 0o555);
      try {
        if (root) expect(run('mount', ['-o', 'remount,ro,bind', logs])).toBe(true);
        await writeEvents(writer, 10, 40);
        expect(writer.gap?.reason).toBe(
          root ? 'EROFS: read-only file system' : 'EACCES: permission denied',
        );
      } finally {
        if (root) run('umount', [logs]);
        else await chmod(logs, 0o755);
      }
      await writeEvents(writer, 40, 45);
      await writer.close();
      const { kept, dropped, gaps } = await account(file);
      expect(kept).toEqual([...range(0, 10), ...range(40, 45)]);
      expect(dropped).toBe(30);
      expect(gaps).toHaveLength(1);
      expect(gaps[0]?.payload).toEqual({ dropped: 30, since: ts(10), until: ts(39) });
    },
  );

  it.skipIf(cannotMount !== undefined)(
    skipped('accounts for every event on a real full file system (a 256 KiB tmpfs)'),
    async () => {
      const dir = await tempDir();
      const mounted = join(dir, 'tmpfs');
      await mkdir(mounted);
      expect(run('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mounted])).toBe(true);
      const file = join(mounted, 'telemetry.jsonl');
      const writer = createTelemetryWriter({ file, onError: () => undefined, maxSizeBytes: 0 });
      try {
        const ballast = join(mounted, 'ballast');
        await writeFile(ballast, Buffer.alloc(192 * 1024));
        let written = 0;
        // A gap record may land in a file's last, partly used page: a full disk can make
        // several short episodes. Stop inside one.
        while (writer.stats.dropped < 200 || writer.gap === undefined) {
          await writeEvents(writer, written, written + 40);
          written += 40;
          expect(written).toBeLessThan(10_000);
        }
        expect(writer.gap?.reason).toBe('ENOSPC: disk full');
        await rm(ballast);
        await writeEvents(writer, written, written + 100);
        written += 100;
        await writer.close();
        const { kept, dropped, gaps } = await account(file);
        expect(kept.length + dropped).toBe(written);
        expect(new Set(kept).size).toBe(kept.length);
        expect(dropped).toBe(writer.stats.dropped);
        expect(kept.length).toBe(writer.stats.written);
        expect(gaps.length).toBeGreaterThanOrEqual(1);
        expect(gaps.every((gap) => gap.error === 'ENOSPC: disk full')).toBe(true);
        // The events recovery wrote are all there.
        expect(kept.slice(-100)).toEqual(range(written - 100, written));
        const missing = range(0, written).filter((i) => !kept.includes(i));
        expect(Math.min(...gaps.map((gap) => gap.payload.since as number))).toBe(ts(missing[0]));
      } finally {
        await writer.close();
        run('umount', [mounted]);
      }
    },
  );
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, k) => from + k);
}

function ts(i: number | undefined): number {
  return 1_732_540_000 + (i as number);
}
