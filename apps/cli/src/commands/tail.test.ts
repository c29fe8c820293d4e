import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { appendFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { TelemetryEvent } from '@eventkit/core/telemetry';
import { describe, expect, it } from 'vitest';
import { CLI, makeEvents, runCli, sh, tempDir, toJsonl } from '../test-support/run-cli.js';

const START = 1_732_540_000;

/** `count` events of instance `instance`, at START + offset + k * step seconds. */
function instanceEvents(
  instance: string,
  count: number,
  offset: number,
  step: number,
  seed: number,
): TelemetryEvent[] {
  return makeEvents(count, START, 1, seed).map((event, k) => ({
    ...event,
    ts: START + offset + k * step,
    instance,
  }));
}

const byTime = (events: TelemetryEvent[]) => [...events].sort((a, b) => a.ts - b.ts);

/** A fleet host's directory: the main file and two workers' files, their times interleaved. */
async function fleetDir() {
  const dir = await tempDir();
  const files = {
    main: path.join(dir, 'telemetry.jsonl'),
    w1: path.join(dir, 'telemetry-w1.jsonl'),
    w2: path.join(dir, 'telemetry-w2.jsonl'),
  };
  const events = {
    main: instanceEvents('web1', 20, 0, 3, 1),
    w1: instanceEvents('web1-w1', 20, 1, 3, 2),
    w2: instanceEvents('web1-w2', 20, 2, 3, 3),
  };
  await writeFile(files.main, toJsonl(events.main));
  await writeFile(files.w1, toJsonl(events.w1));
  await writeFile(files.w2, toJsonl(events.w2));
  return { dir, files, events };
}

describe('eventkit tail over several files', () => {
  it('-n prints the newest events by time across every instance, by default', async () => {
    const { dir } = await fleetDir();
    const run = await runCli(['tail', '-n', '7'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      await sh(
        "jq -c -s 'sort_by(.ts) | .[-7:][]' telemetry.jsonl telemetry-w1.jsonl telemetry-w2.jsonl",
        dir,
      ),
    );
    expect(run.stdout.split('\n').filter(Boolean)).toHaveLength(7);
  });

  it('reads only the files named, globs included', async () => {
    const { dir, events } = await fleetDir();
    const run = await runCli(['tail', '-n', '4', 'telemetry-w*.jsonl'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(toJsonl(byTime([...events.w1, ...events.w2]).slice(-4)));
  });

  it('--pretty names the instance of each line', async () => {
    const { dir } = await fleetDir();
    const run = await runCli(['tail', '-n', '3', '--pretty'], { cwd: dir });
    const instances = run.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.match(/ instance=(\S+)/)?.[1]);
    expect(instances).toEqual(['web1', 'web1-w1', 'web1-w2']);
  });

  it('refuses - among other files (exit 2)', async () => {
    const { dir } = await fleetDir();
    const run = await runCli(['tail', '-', 'telemetry.jsonl'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^eventkit: tail: standard input \(-\) is read on its own/);
  });

  it('-f merges two writers appending interleaved times into one stream in time order', async () => {
    const dir = await tempDir();
    const a = path.join(dir, 'telemetry-w1.jsonl');
    const b = path.join(dir, 'telemetry-w2.jsonl');
    // A long reorder window: every line is printed by the rule "every file has shown a line at
    // least as new", or when tail stops, never because it waited.
    const seedA = instanceEvents('web1-w1', 1, 0, 2, 4);
    const seedB = instanceEvents('web1-w2', 1, 1, 2, 5);
    await writeFile(a, toJsonl(seedA));
    await writeFile(b, toJsonl(seedB));
    const tail = startTail(['-f', '-n', '2', '--poll-ms', '10', '--reorder-ms', '600000'], dir);
    try {
      await tail.seen(2); // the newest two lines, printed at start: tail is following
      const fromA = instanceEvents('web1-w1', 40, 10, 2, 6);
      const fromB = instanceEvents('web1-w2', 40, 11, 2, 7);
      // Two writers, each appending its own file in bursts at its own pace, as workers do.
      const writer = async (file: string, events: TelemetryEvent[], burst: number, ms: number) => {
        for (let i = 0; i < events.length; i += burst) {
          await appendFile(file, toJsonl(events.slice(i, i + burst)));
          await delay(ms);
        }
      };
      await Promise.all([writer(a, fromA, 3, 7), writer(b, fromB, 5, 13)]);
      // Every line but B's newest is due once both files have been read to their ends.
      await tail.seen(2 + 80 - 1);
      const out = await tail.stop();
      expect(out).toBe(toJsonl(byTime([...seedA, ...seedB, ...fromA, ...fromB])));
    } finally {
      await tail.stop();
    }
  });

  it('-f does not wait longer than --reorder-ms for an idle file, and follows a rotation', async () => {
    const dir = await tempDir();
    const busy = path.join(dir, 'telemetry-w1.jsonl');
    await writeFile(busy, '');
    await writeFile(path.join(dir, 'telemetry-w2.jsonl'), ''); // a worker without traffic
    const tail = startTail(['-f', '--poll-ms', '10', '--reorder-ms', '50'], dir);
    try {
      const events = instanceEvents('web1-w1', 6, 0, 1, 8);
      await appendFile(busy, toJsonl(events.slice(0, 3)));
      await tail.seen(3);
      await rename(busy, `${busy}.20241120-000000-000`);
      await writeFile(busy, toJsonl(events.slice(3)));
      await tail.seen(6);
      expect(tail.out()).toBe(toJsonl(events));
    } finally {
      await tail.stop();
    }
  });

  it('-f picks up a worker that starts later, by default', async () => {
    const dir = await tempDir();
    const first = instanceEvents('web1', 1, 0, 1, 9);
    await writeFile(path.join(dir, 'telemetry.jsonl'), toJsonl(first));
    const tail = startTail(['-f', '-n', '1', '--poll-ms', '10', '--reorder-ms', '50'], dir);
    try {
      await tail.seen(1);
      const later = instanceEvents('web1-w2', 3, 5, 1, 10);
      await writeFile(path.join(dir, 'telemetry-w2.jsonl'), toJsonl(later));
      await tail.seen(4);
      expect(tail.out()).toBe(toJsonl([...first, ...later]));
    } finally {
      await tail.stop();
    }
  });
});

/** `eventkit tail …` running in `dir`. */
function startTail(args: string[], dir: string) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [CLI, 'tail', ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH, NO_COLOR: '1' },
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const seen = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (out.split('\n').filter(Boolean).length >= count) resolve();
        else child.stdout.once('data', check);
      };
      check();
    });
  /** Ends tail as Ctrl-C would: what it printed, everything held included. */
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await closed;
    return out;
  };
  return { seen, stop, out: () => out };
}
