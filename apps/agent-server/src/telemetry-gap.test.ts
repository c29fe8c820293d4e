import { readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SAMPLE_MANIFEST_PATH } from '@eventkit/core/manifest';
import { parseTelemetryLine, TELEMETRY_GAP_ACTION } from '@eventkit/core/telemetry';
import { run, tmpfsUnavailable } from '@eventkit/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type BuiltServer, startBuilt } from './test-support/built-server.js';
import { tempDir } from './test-support/temp-dir.js';

const cannotMount = tmpfsUnavailable();

interface Fault {
  /** What /health says while the writer is losing events. */
  health: string;
  reason: string;
  /** The fault deletes the lines already written. */
  deletesFile: boolean;
  prepare(logs: string): Promise<void>;
  apply(logs: string): Promise<void>;
  repair(logs: string): Promise<void>;
  cleanup(logs: string): void;
}

const DIRECTORY_REPLACED: Fault = {
  health: 'Telemetry file not writable',
  reason: 'ENOTDIR: not a directory',
  deletesFile: true,
  prepare: async () => {},
  apply: async (logs) => {
    await rm(logs, { recursive: true });
    await writeFile(logs, 'not a directory\n');
  },
  repair: (logs) => rm(logs),
  cleanup: () => {},
};

const FULL_DISK: Fault = {
  health: 'Telemetry disk full',
  reason: 'ENOSPC: disk full',
  deletesFile: false,
  prepare: async (logs) => {
    expect(run('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', logs])).toBe(true);
  },
  // Fills the file system to the last byte: the write stops at ENOSPC.
  apply: (logs) =>
    writeFile(path.join(logs, 'ballast'), Buffer.alloc(512 * 1024)).catch((error) => {
      if (error.code !== 'ENOSPC') throw error;
    }),
  repair: (logs) => rm(path.join(logs, 'ballast')),
  cleanup: (logs) => void run('umount', [logs]),
};

let server: BuiltServer | undefined;
afterEach(async () => {
  await server?.stop('SIGKILL');
  server = undefined;
});

async function health(url: string): Promise<{ status: string; errors?: string[] }> {
  return (await fetch(`${url}/health`)).json() as Promise<{ status: string; errors?: string[] }>;
}

function lineCount(file: string): number {
  try {
    return readFileSync(file, 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
}

/** Polls (bounded) until `done` holds. */
async function until(done: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Serves requests through a fault and its repair; every answered request must then be a line
 * in the file or counted in a gap record, exactly.
 */
async function serveThrough(fault: Fault): Promise<void> {
  const dir = tempDir('eventkit-gap-agent-');
  const logs = path.join(dir, 'logs');
  await mkdir(logs);
  await fault.prepare(logs);
  try {
    const file = path.join(logs, 'telemetry.jsonl');
    const manifest = JSON.parse(await readFile(SAMPLE_MANIFEST_PATH, 'utf8'));
    manifest.telemetry = { file, maxSizeBytes: 0 };
    await writeFile(path.join(dir, 'agent.json'), JSON.stringify(manifest));
    server = await startBuilt({}, ['--manifest', path.join(dir, 'agent.json')], dir);
    const { url } = server;
    let answered = 0;
    const request = async () => {
      const res = await fetch(`${url}/recommend?interests=agents,observability&top=3`);
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      answered++;
    };

    for (let i = 0; i < 10; i++) await request();
    // The first lines on disk before the fault (and gone with the directory, if it goes).
    await until(() => lineCount(file) === 10, 'the first ten lines');
    await fault.apply(logs);
    let report = await health(url);
    for (let i = 0; i < 3000 && report.status === 'healthy'; i++) {
      await request();
      if (i % 25 === 24) report = await health(url);
    }
    // Some more while it fails: the gap must count them all.
    for (let i = 0; i < 100; i++) await request();
    expect((await health(url)).errors).toContain(fault.health);

    // Repaired only once a write has failed: lines still queued then are written after the
    // repair, so how many are dropped depends on timing; that every one is accounted for does not.
    await until(
      () => server?.stderr().includes('Telemetry: Cannot write') ?? false,
      'a failed write',
    );
    await fault.repair(logs);
    // The writer retries on its own: the gap is recorded without another request.
    await until(() => server?.stderr().includes('Telemetry: writing again') ?? false, 'recovery');
    for (let i = 0; i < 20; i++) await request();
    expect(await server.stop('SIGTERM')).toBe(0);

    const events = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const parsed = parseTelemetryLine(line);
        if (!parsed.ok) throw new Error(`half a line or worse: ${parsed.reason}: ${line}`);
        return parsed.event;
      });
    const gaps = events.filter((event) => event.action === TELEMETRY_GAP_ACTION);
    const lines = events.length - gaps.length;
    const dropped = gaps.reduce((sum, gap) => sum + (gap.payload.dropped as number), 0);
    expect(dropped).toBeGreaterThan(0);
    expect(lines + dropped).toBe(fault.deletesFile ? answered - 10 : answered);
    expect(gaps.every((gap) => gap.error === fault.reason)).toBe(true);
    // One ERROR for the episode however many batches failed, and one line when it ended.
    const stderr = server.stderr();
    expect(stderr.match(/ERROR.*Telemetry: Cannot write/g)?.length).toBe(gaps.length);
    expect(stderr.match(/Telemetry: writing again/g)?.length).toBe(gaps.length);
  } finally {
    await server?.stop('SIGKILL');
    fault.cleanup(logs);
  }
}

describe('the agent when it cannot write telemetry', () => {
  it('accounts for every answered request when its directory is removed and a file put in its place', () =>
    serveThrough(DIRECTORY_REPLACED));

  it.skipIf(cannotMount !== undefined)(
    `accounts for every answered request on a real full disk (a 256 KiB tmpfs)${cannotMount ? ` (skipped: ${cannotMount})` : ''}`,
    () => serveThrough(FULL_DISK),
  );
});
