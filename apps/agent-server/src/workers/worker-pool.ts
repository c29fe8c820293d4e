/** What the pool needs of a forked worker: node:cluster's `Worker` has all of it. */
export interface PoolWorker {
  readonly process: { readonly pid?: number | undefined; kill(signal?: NodeJS.Signals): boolean };
  send(message: WorkerMessage): unknown;
  once(event: 'listening', listener: () => void): unknown;
  once(
    event: 'exit',
    listener: (code: number | null, signal: NodeJS.Signals | null) => void,
  ): unknown;
}

/** The primary's news for its workers: how many restarts so far (shown in `/health`). */
export interface WorkerMessage {
  eventkit: 'worker-restarts';
  restarts: number;
}

export function isWorkerMessage(message: unknown): message is WorkerMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as WorkerMessage).eventkit === 'worker-restarts' &&
    typeof (message as WorkerMessage).restarts === 'number'
  );
}

export interface RestartBackoff {
  /** Delay before restarting a worker that died soon after it started. Default 100 ms. */
  initialMs?: number;
  /** Longest delay, however often it keeps dying. Default 30 s. */
  maxMs?: number;
  /** A worker that ran this long is restarted at once, and its backoff starts over. Default 10 s. */
  stableMs?: number;
}

export interface WorkerPoolOptions {
  count: number;
  /** Forks worker `id` (1-based; a replacement gets the number of the worker it replaces). */
  fork(id: number, restarts: number): PoolWorker;
  logger: { info(message: string): void; warning(message: string): void };
  backoff?: RestartBackoff;
  now?: () => number;
}

export interface WorkerPool {
  /**
   * Forks worker 1, then the others once it listens (so a bad manifest or a port in use is
   * reported once). Resolves with 0 when all listen; with a failed worker's exit code (the
   * worker has logged why) after the others were stopped, when one dies before it listened.
   */
  start(): Promise<number>;
  /** Passes `signal` on to every live worker (SIGHUP: reopen the log file). */
  signal(signal: NodeJS.Signals): void;
  /**
   * No more restarts; SIGTERM to every worker, each draining as a single agent does. Resolves
   * once all have exited: 0 when every one exited 0 (or was stopped before it could drain).
   */
  stop(): Promise<number>;
  /** Workers restarted so far. */
  readonly restarts: number;
}

/**
 * Delay before restarting a worker after `quickDeaths` consecutive deaths soon after a start:
 * none for a worker that had been running (0), then `initialMs`, doubling up to `maxMs`.
 *
 * @example
 * restartDelay(0); // 0
 * restartDelay(3); // 400
 */
export function restartDelay(
  quickDeaths: number,
  { initialMs = 100, maxMs = 30_000 }: RestartBackoff = {},
): number {
  if (quickDeaths <= 0) return 0;
  return Math.min(maxMs, initialMs * 2 ** Math.min(quickDeaths - 1, 30));
}

const describeExit = (code: number | null, signal: NodeJS.Signals | null) =>
  signal ? `was killed by ${signal}` : `exited with code ${code}`;

interface Slot {
  id: number;
  worker?: PoolWorker | undefined;
  startedAt: number;
  quickDeaths: number;
  timer?: NodeJS.Timeout | undefined;
}

/**
 * The primary's workers: forks `count`, restarts one that dies (logged and counted, with a
 * backoff so a worker that keeps crashing does not spin), passes signals on, and stops them all.
 */
export function createWorkerPool({
  count,
  fork,
  logger,
  backoff = {},
  now = Date.now,
}: WorkerPoolOptions): WorkerPool {
  const { stableMs = 10_000 } = backoff;
  const slots: Slot[] = Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    startedAt: 0,
    quickDeaths: 0,
  }));
  let restarts = 0;
  let stopping: Promise<number> | undefined;
  let stopFailures = 0;
  /** Until every worker listened once, a death is a start-up failure: the pool gives up. */
  let started = false;
  let onStartFailure: ((code: number) => void) | undefined;
  let onStop: (() => void) | undefined;
  const exits = new Set<() => void>();

  const live = () => slots.filter((slot) => slot.worker !== undefined);

  function launch(slot: Slot): Promise<void> {
    const worker = fork(slot.id, restarts);
    slot.worker = worker;
    slot.startedAt = now();
    // Said once it listens: a worker that cannot start has logged why, and that stays the only line.
    const listening = new Promise<void>((resolve) =>
      worker.once('listening', () => {
        logger.info(`Worker ${slot.id} (pid ${worker.process.pid}) is serving`);
        resolve();
      }),
    );
    worker.once('exit', (code, signal) => {
      slot.worker = undefined;
      died(slot, worker, code, signal);
      for (const notify of exits) notify();
    });
    return listening;
  }

  function died(
    slot: Slot,
    worker: PoolWorker,
    code: number | null,
    signal: NodeJS.Signals | null,
  ) {
    const pid = worker.process.pid;
    if (stopping) {
      // A worker stopped before it installed its handlers dies of the SIGTERM itself.
      if (code !== 0 && signal !== 'SIGTERM') {
        stopFailures++;
        logger.warning(
          `Worker ${slot.id} (pid ${pid}) ${describeExit(code, signal)} while stopping`,
        );
      }
      return;
    }
    if (!started) {
      onStartFailure?.(code ?? 1);
      return;
    }
    restarts++;
    slot.quickDeaths = now() - slot.startedAt < stableMs ? slot.quickDeaths + 1 : 0;
    const delay = restartDelay(slot.quickDeaths, backoff);
    logger.warning(
      `Worker ${slot.id} (pid ${pid}) ${describeExit(code, signal)}; restarting it${
        delay > 0 ? ` in ${delay} ms` : ''
      } (worker restarts: ${restarts})`,
    );
    for (const other of live()) {
      try {
        other.worker?.send({ eventkit: 'worker-restarts', restarts });
      } catch {
        // Its channel just closed: it is dying too, and will learn the count when replaced.
      }
    }
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (!stopping) void launch(slot);
    }, delay);
  }

  const allExited = () =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (live().length > 0) return;
        exits.delete(check);
        resolve();
      };
      exits.add(check);
      check();
    });

  const pool: WorkerPool = {
    get restarts() {
      return restarts;
    },
    async start() {
      const failed = new Promise<number>((resolve) => {
        onStartFailure = resolve;
      });
      const stopped = new Promise<'stopped'>((resolve) => {
        onStop = () => resolve('stopped');
      });
      const [first, ...others] = slots as [Slot, ...Slot[]];
      const outcome = await Promise.race<number | 'stopped'>([
        launch(first).then(() =>
          stopping ? ('stopped' as const) : Promise.all(others.map(launch)).then(() => 0),
        ),
        failed,
        stopped,
      ]);
      if (outcome === 'stopped') return pool.stop();
      if (outcome === 0) {
        started = true;
        return 0;
      }
      await pool.stop();
      return outcome;
    },
    signal(signal) {
      for (const slot of live()) slot.worker?.process.kill(signal);
    },
    stop() {
      stopping ??= (async () => {
        onStop?.();
        for (const slot of slots) {
          clearTimeout(slot.timer);
          slot.timer = undefined;
        }
        pool.signal('SIGTERM');
        await allExited();
        return stopFailures > 0 ? 1 : 0;
      })();
      return stopping;
    },
  };
  return pool;
}
