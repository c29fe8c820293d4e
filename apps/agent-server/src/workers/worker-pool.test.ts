import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createWorkerPool,
  type PoolWorker,
  restartDelay,
  type WorkerMessage,
} from './worker-pool.js';

/** A worker process stand-in: the test decides when it listens and how it dies. */
class FakeWorker extends EventEmitter implements PoolWorker {
  readonly signals: NodeJS.Signals[] = [];
  readonly messages: WorkerMessage[] = [];
  readonly process: PoolWorker['process'];
  constructor(
    readonly id: number,
    readonly restartsAtFork: number,
    pid: number,
  ) {
    super();
    this.process = {
      pid,
      kill: (signal: NodeJS.Signals = 'SIGTERM') => {
        this.signals.push(signal);
        return true;
      },
    };
  }
  send(message: WorkerMessage) {
    this.messages.push(message);
    return true;
  }
  listen() {
    this.emit('listening');
  }
  die(code: number | null, signal: NodeJS.Signals | null = null) {
    this.emit('exit', code, signal);
  }
}

function setup(count: number) {
  const forked: FakeWorker[] = [];
  const lines: string[] = [];
  const pool = createWorkerPool({
    count,
    fork: (id, restarts) => {
      const worker = new FakeWorker(id, restarts, 1000 + forked.length);
      forked.push(worker);
      return worker;
    },
    logger: { info: (m) => lines.push(`INFO ${m}`), warning: (m) => lines.push(`WARNING ${m}`) },
  });
  const latest = (id: number) => forked.filter((w) => w.id === id).at(-1) as FakeWorker;
  return { pool, forked, lines, latest };
}

async function started(count: number) {
  const env = setup(count);
  const start = env.pool.start();
  env.forked[0]?.listen();
  await vi.advanceTimersByTimeAsync(0);
  for (const worker of env.forked.slice(1)) worker.listen();
  expect(await start).toBe(0);
  return env;
}

describe('restartDelay', () => {
  it.each([
    [0, 0],
    [1, 100],
    [2, 200],
    [4, 800],
    [9, 25_600],
    [10, 30_000],
    [1000, 30_000],
  ])('after %i quick deaths waits %i ms', (deaths, ms) => {
    expect(restartDelay(deaths)).toBe(ms);
  });
});

describe('createWorkerPool', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts worker 1 first, then the others once it listens', async () => {
    const { pool, forked } = setup(3);
    const start = pool.start();
    expect(forked.map((w) => w.id)).toEqual([1]);
    forked[0]?.listen();
    await vi.advanceTimersByTimeAsync(0);
    expect(forked.map((w) => w.id)).toEqual([1, 2, 3]);
    for (const worker of forked.slice(1)) worker.listen();
    expect(await start).toBe(0);
  });

  it('gives up with the exit code of a worker that dies before it listens, stopping the others', async () => {
    const { pool, forked } = setup(3);
    const start = pool.start();
    forked[0]?.listen();
    await vi.advanceTimersByTimeAsync(0);
    forked[1]?.die(3);
    await vi.advanceTimersByTimeAsync(0);
    expect(forked[0]?.signals).toEqual(['SIGTERM']);
    expect(forked[2]?.signals).toEqual(['SIGTERM']);
    forked[0]?.die(0);
    forked[2]?.die(null, 'SIGTERM');
    expect(await start).toBe(3);
    expect(forked).toHaveLength(3);
  });

  it('restarts a dead worker under its own number, counts it and tells every worker', async () => {
    const { pool, forked, lines, latest } = await started(2);
    vi.advanceTimersByTime(60_000);
    latest(2).die(null, 'SIGKILL');
    await vi.advanceTimersByTimeAsync(0);
    expect(forked).toHaveLength(3);
    expect(latest(2)).toMatchObject({ id: 2, restartsAtFork: 1 });
    expect(latest(1).messages).toEqual([{ eventkit: 'worker-restarts', restarts: 1 }]);
    expect(pool.restarts).toBe(1);
    expect(lines).toContain(
      'WARNING Worker 2 (pid 1001) was killed by SIGKILL; restarting it (worker restarts: 1)',
    );
  });

  it('backs off a worker that keeps dying soon after it starts', async () => {
    const { pool, forked, lines, latest } = await started(1);
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      latest(1).die(1);
      const before = forked.length;
      let waited = 0;
      while (forked.length === before) {
        await vi.advanceTimersByTimeAsync(10);
        waited += 10;
      }
      delays.push(waited);
    }
    expect(delays).toEqual([100, 200, 400, 800, 1600]);
    expect(pool.restarts).toBe(5);
    expect(lines.at(-1)).toBe(
      'WARNING Worker 1 (pid 1004) exited with code 1; restarting it in 1600 ms (worker restarts: 5)',
    );
  });

  it('passes SIGHUP on to every live worker', async () => {
    const { pool, forked } = await started(2);
    pool.signal('SIGHUP');
    expect(forked.map((w) => w.signals)).toEqual([['SIGHUP'], ['SIGHUP']]);
  });

  it('stops every worker, restarts none while stopping, and resolves 0 once all exited 0', async () => {
    const { pool, forked } = await started(2);
    let code: number | undefined;
    void pool.stop().then((c) => {
      code = c;
    });
    expect(forked.map((w) => w.signals)).toEqual([['SIGTERM'], ['SIGTERM']]);
    forked[0]?.die(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(code).toBeUndefined();
    expect(forked).toHaveLength(2);
    forked[1]?.die(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(code).toBe(0);
  });

  it('cancels a pending restart when stopped during the backoff', async () => {
    const { pool, forked, latest } = await started(1);
    latest(1).die(1);
    const stopped = pool.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(forked).toHaveLength(1);
    expect(await stopped).toBe(0);
  });

  it('resolves 1 when a worker fails to drain', async () => {
    const { pool, forked } = await started(2);
    const stopped = pool.stop();
    forked[0]?.die(0);
    forked[1]?.die(1);
    expect(await stopped).toBe(1);
  });
});
