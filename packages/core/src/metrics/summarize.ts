import { existsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { EventKitError } from '../errors.js';
import type { ReadOptions } from '../reader/read-telemetry.js';
import { resolveTelemetryInputs } from '../reader/resolve-files.js';
import {
  FIRST_MALFORMED_KEPT,
  type MalformedLine,
  type TelemetryInput,
  unreadable,
} from '../reader/telemetry-file.js';
import { type WasmModule, writerLinesModule } from '../reader/writer-line-wasm.js';
import {
  createSummaryBuilder,
  type SerializedSummary,
  type SummaryBuilder,
  summaryBuilderFromJSON,
  type TelemetrySummary,
} from './summary-builder.js';
import {
  createRangeSummarizer,
  type RangeOutcome,
  type RangeTask,
  type SummaryFilter,
  type SummaryLine,
  takeRanges,
} from './summary-range.js';
import type { WorkerReply, WorkerRequest } from './summary-worker.js';

export interface SummarizeOptions extends ReadOptions {
  /**
   * Threads for big inputs (this one included). Default: `defaultSummaryThreads`, i.e. one
   * thread under PARALLEL_MIN_BYTES of input, otherwise one per core, at most
   * MAX_DEFAULT_THREADS. An explicit value > 1 applies from EXPLICIT_PARALLEL_MIN_BYTES, and at
   * most MAX_SUMMARY_THREADS are used. 1 = this thread only.
   */
  threads?: number;
  /**
   * The most latencies kept for exact percentiles (default EXACT_LATENCY_LIMIT, 8 bytes each);
   * past it the percentiles come from a sketch and the summary is `approximate`.
   */
  exactLimit?: number;
  /**
   * `instance`: the summary also lists each instance's own summary in `instances` (see
   * TelemetrySummary); the fleet's figures stay those of the plain summary. Lines are then all
   * read by the line decoder, without the WebAssembly kernel.
   */
  by?: 'instance';
  /**
   * Called with every valid line read (requests and gap records), in input order, before the
   * since/until/actions filters, on this thread: lets a caller build more than the summary in
   * the same pass (`eventkit report` does). The run then uses this thread only and decodes
   * every line in JavaScript. Malformed lines are counted in the summary as usual.
   */
  onLine?: (line: SummaryLine) => void;
}

/** How each lane builds its summary. */
interface LaneOptions {
  accelerate: boolean;
  exactLimit: number | undefined;
  byInstance: boolean;
  /** Only on this thread: never sent to a worker. */
  onLine?: ((line: SummaryLine) => void) | undefined;
}

/**
 * With the default thread count, inputs under this many bytes stay on one thread: a worker has
 * a fixed start-up cost (Node's per-thread bootstrap, its modules, its own JIT warm-up) that
 * only a big input repays.
 */
export const PARALLEL_MIN_BYTES = 128 * 1024 * 1024;
/** With an explicit `threads` > 1, workers are used from this size on. */
export const EXPLICIT_PARALLEL_MIN_BYTES = 16 * 1024 * 1024;
/** The most threads a summary uses, whatever `threads` asks for (each holds its own buffers). */
export const MAX_SUMMARY_THREADS = 64;
/** The most threads a summary uses by default. */
export const MAX_DEFAULT_THREADS = 8;

/**
 * The default thread count for `totalBytes` of input: 1 under PARALLEL_MIN_BYTES, otherwise one
 * per core, at most MAX_DEFAULT_THREADS. It depends on the input and the machine only, never on
 * what else is running, so the same command always works the same way.
 *
 * @example
 * defaultSummaryThreads(50 * 1024 * 1024, 4); // 1: a small input stays on this thread
 * defaultSummaryThreads(1024 * 1024 * 1024, 4); // 4
 */
export function defaultSummaryThreads(
  totalBytes: number,
  cores: number = availableParallelism(),
  parallelMinBytes = PARALLEL_MIN_BYTES,
): number {
  if (totalBytes < parallelMinBytes) return 1;
  return Math.max(1, Math.min(cores, MAX_DEFAULT_THREADS));
}

/**
 * Ranges are this size (within these bounds): small enough that a thread which starts late or
 * shares its core takes fewer, so all finish together; large enough that a range's own cost
 * (open, the first line's search) stays far below its lines'. Threads claim them from one shared
 * cursor and keep one summary each.
 */
const MIN_RANGE_BYTES = 8 * 1024 * 1024;
const MAX_RANGE_BYTES = 32 * 1024 * 1024;
const RANGES_PER_THREAD = 8;
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 };

interface PlannedFile {
  file: string;
  size: number;
  gzip: boolean;
}

/** Knobs for tests: smaller thresholds exercise range splitting on small files. */
export interface SummaryTuning {
  /** The machine's cores (default: `availableParallelism()`). */
  cores?: number;
  parallelMinBytes?: number;
  /**
   * Take our writer's lines through the WebAssembly kernel when it is available (default true);
   * false decodes every line in JavaScript, with the same result.
   */
  accelerate?: boolean;
  rangeBytes?: number;
  /** Run the planned ranges one after another in this thread instead of in workers. */
  inProcess?: boolean;
  /** This thread takes ranges too (default true); false leaves all of them to workers. */
  useThisThread?: boolean;
  /** Replaces the worker entry (tests: a broken one must fall back to this thread). */
  workerUrl?: URL;
}

/** How a summary was computed (for tests and the benchmark). */
export interface SummaryRun {
  builder: SummaryBuilder;
  workers: number;
  tasks: number;
  /** Ranges summarised by worker threads. */
  workerTasks: number;
}

async function planFile(file: string): Promise<PlannedFile> {
  try {
    const { size } = await stat(file);
    const handle = await open(file, 'r');
    try {
      const magic = Buffer.alloc(2);
      const { bytesRead } = await handle.read(magic, 0, 2, 0);
      return { file, size, gzip: bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b };
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw unreadable(file, error);
  }
}

function splitIntoTasks(files: PlannedFile[], threads: number, rangeBytes?: number): RangeTask[] {
  const totalBytes = files.reduce((sum, planned) => sum + planned.size, 0);
  const target =
    rangeBytes ??
    Math.min(
      MAX_RANGE_BYTES,
      Math.max(MIN_RANGE_BYTES, Math.ceil(totalBytes / (threads * RANGES_PER_THREAD))),
    );
  const tasks: RangeTask[] = [];
  for (const { file, size, gzip } of files) {
    if (gzip || size <= target) {
      tasks.push({ file, start: 0, end: Number.POSITIVE_INFINITY });
      continue;
    }
    const pieces = Math.ceil(size / target);
    for (let k = 0; k < pieces; k++) {
      const start = Math.floor((size * k) / pieces);
      const end =
        k === pieces - 1 ? Number.POSITIVE_INFINITY : Math.floor((size * (k + 1)) / pieces);
      tasks.push({ file, start, end });
    }
  }
  return tasks;
}

function workerScript(): { url: URL; workerData?: { sourceEntry: string } } {
  const compiled = new URL('./summary-worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.ts') || existsSync(compiled)) return { url: compiled };
  // Running from TypeScript source (tests): let the worker load .ts through a dev-only loader.
  return {
    url: new URL('./source-worker-bootstrap.mjs', import.meta.url),
    workerData: { sourceEntry: new URL('./summary-worker.ts', import.meta.url).href },
  };
}

interface PoolRun {
  outcomes: RangeOutcome[];
  /** One per thread that took ranges. */
  summaries: SerializedSummary[];
  workers: number;
  workerTasks: number;
}

/** The same work on this thread alone, one range after another. */
async function runInProcess(
  tasks: RangeTask[],
  filter: SummaryFilter,
  lane: LaneOptions,
): Promise<PoolRun> {
  const summarizer = createRangeSummarizer(filter, lane);
  const outcomes: RangeOutcome[] = [];
  for (const task of tasks) outcomes.push(await summarizer.summarize(task));
  return { outcomes, summaries: [summarizer.finish()], workers: 0, workerTasks: 0 };
}

/**
 * Runs the tasks on `threads` lanes claiming ranges from one shared cursor: this thread plus
 * threads - 1 workers — or `threads` workers when `useThisThread` is false. Each lane keeps one
 * summary for all its ranges; a worker sends it, with its ranges' outcomes, once none is left.
 */
async function runPool(
  tasks: RangeTask[],
  filter: SummaryFilter,
  threads: number,
  useThisThread: boolean,
  workerUrl: URL | undefined,
  lane: LaneOptions,
): Promise<PoolRun> {
  const { accelerate } = lane;
  const outcomes: RangeOutcome[] = new Array(tasks.length);
  const summaries: SerializedSummary[] = [];
  const cursor = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const { url, workerData } = workerUrl
    ? { url: workerUrl, workerData: undefined }
    : workerScript();
  // Compiled once here and sent: the workers then share its code instead of compiling their own.
  const module: WasmModule | undefined = accelerate ? writerLinesModule() : undefined;
  const workers: Worker[] = [];
  let workerTasks = 0;
  let thisThreadTasks = 0;

  const workerLane = (worker: Worker): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      let replied = false;
      worker.once('message', (reply: WorkerReply) => {
        replied = true;
        if (!reply.ok) {
          reject(
            reply.code ? new EventKitError(reply.code, reply.message) : new Error(reply.message),
          );
          return;
        }
        for (const [id, outcome] of reply.outcomes) outcomes[id] = outcome;
        workerTasks += reply.outcomes.length;
        summaries.push(reply.summary);
        resolve();
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (!replied) reject(new Error(`summary worker exited with code ${code}`));
      });
      const request: WorkerRequest = {
        tasks,
        filter,
        cursor: cursor.buffer as SharedArrayBuffer,
        module,
        accelerate,
        exactLimit: lane.exactLimit,
        byInstance: lane.byInstance,
      };
      worker.postMessage(request);
    });

  const workerCount = Math.min(useThisThread ? threads - 1 : threads, tasks.length);
  try {
    const workerLanes: Promise<void>[] = [];
    for (let w = 0; w < workerCount; w++) {
      // The hot path allocates almost nothing: a small young generation keeps each thread lean.
      const worker = new Worker(url, { workerData, resourceLimits: WORKER_LIMITS });
      workers.push(worker);
      workerLanes.push(workerLane(worker));
    }
    const allWorkers = Promise.all(workerLanes);
    if (useThisThread) {
      // Without this, a worker that fails before claiming anything would go unnoticed until the end.
      allWorkers.catch(() => Atomics.store(cursor, 0, tasks.length));
      const summarizer = createRangeSummarizer(filter, { ...lane, module });
      for (const [id, outcome] of await takeRanges(summarizer, tasks, cursor)) {
        outcomes[id] = outcome;
        thisThreadTasks++;
      }
      summaries.push(summarizer.finish());
    }
    // When this thread took every range, the workers (maybe still starting) have nothing to add.
    if (thisThreadTasks < tasks.length) await allWorkers;
  } finally {
    Atomics.store(cursor, 0, tasks.length);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return { outcomes, summaries, workers: workerCount, workerTasks };
}

/**
 * Combines the threads' summaries, and the ranges' malformed lines in file order (range-relative
 * line numbers turned into file ones).
 */
function mergeLanes(
  tasks: RangeTask[],
  run: PoolRun,
  { exactLimit, byInstance }: LaneOptions,
): SummaryBuilder {
  const builder = createSummaryBuilder({ exactLimit, byInstance });
  for (const summary of run.summaries) {
    builder.merge(summaryBuilderFromJSON(summary, { exactLimit }));
  }
  const linesBefore = new Map<string, number>();
  let malformed = 0;
  const firstMalformed: MalformedLine[] = [];
  tasks.forEach((task, index) => {
    const outcome = run.outcomes[index] as RangeOutcome;
    const offset = task.start === 0 ? 0 : (linesBefore.get(task.file) ?? 0);
    linesBefore.set(task.file, offset + outcome.lines);
    malformed += outcome.malformed;
    for (const located of outcome.firstMalformed) {
      if (firstMalformed.length < FIRST_MALFORMED_KEPT) {
        firstMalformed.push({ ...located, line: located.line + offset });
      }
    }
  });
  builder.merge(summaryBuilderFromJSON(malformedOnly(malformed, firstMalformed)));
  return builder;
}

/** A summary with no events, only malformed lines. */
function malformedOnly(count: number, first: MalformedLine[]): SerializedSummary {
  return {
    total: 0,
    failures: 0,
    malformed: count,
    firstMalformed: first,
    firstTs: Number.POSITIVE_INFINITY,
    lastTs: Number.NEGATIVE_INFINITY,
    folded: false,
    actions: [],
    gaps: { records: 0, dropped: 0, episodes: [] },
    approximate: false,
  };
}

/** summarizeTelemetry's engine, also telling how the work was done. */
export async function runSummary(
  paths: TelemetryInput | TelemetryInput[],
  options: SummarizeOptions = {},
  tuning: SummaryTuning = {},
): Promise<SummaryRun> {
  const { since, until, actions, includeRotated, exactLimit, by, onLine } = options;
  const {
    cores,
    parallelMinBytes = options.threads === undefined
      ? PARALLEL_MIN_BYTES
      : EXPLICIT_PARALLEL_MIN_BYTES,
    rangeBytes,
    inProcess = false,
    useThisThread = true,
    accelerate = true,
  } = tuning;
  const inputs = await resolveTelemetryInputs(Array.isArray(paths) ? paths : [paths], {
    includeRotated,
  });
  const files = inputs.filter((input) => typeof input === 'string');
  const filter: SummaryFilter = { since, until, actions };
  const planned = await Promise.all(files.map(planFile));
  const totalBytes = planned.reduce((sum, file) => sum + file.size, 0);
  const threads =
    options.threads === undefined
      ? defaultSummaryThreads(totalBytes, cores, parallelMinBytes)
      : Math.min(options.threads, MAX_SUMMARY_THREADS);
  // A stream can be read only once, by this thread: with one among the inputs, all stay here;
  // so do all with a per-line hook, which runs here.
  const parallel =
    threads > 1 &&
    totalBytes >= parallelMinBytes &&
    files.length === inputs.length &&
    onLine === undefined;
  const tasks: RangeTask[] = parallel
    ? splitIntoTasks(planned, threads, rangeBytes)
    : inputs.map((input) =>
        typeof input === 'string'
          ? { file: input, start: 0, end: Number.POSITIVE_INFINITY }
          : { file: input.name, start: 0, end: Number.POSITIVE_INFINITY, source: input },
      );
  const lane: LaneOptions = { accelerate, exactLimit, byInstance: by === 'instance', onLine };
  let run: PoolRun | undefined;
  if (parallel && tasks.length > 1 && !inProcess) {
    try {
      run = await runPool(tasks, filter, threads, useThisThread, tuning.workerUrl, lane);
    } catch (error) {
      if (error instanceof EventKitError) throw error;
      // Worker threads unavailable (e.g. core bundled without its worker file): same work in-process.
      run = undefined;
    }
  }
  run ??= await runInProcess(tasks, filter, lane);
  const builder = mergeLanes(tasks, run, lane);
  // From the plain data: result() would compute every percentile only to drop them.
  for (const malformed of builder.toJSON().firstMalformed) options.onMalformed?.(malformed);
  return { builder, workers: run.workers, tasks: tasks.length, workerTasks: run.workerTasks };
}

/**
 * The seed's summary of one file, a rotated set or several files — the fast path: big plain
 * files are cut at line boundaries into byte ranges summarised by worker threads, and the
 * partial summaries merged (exact counts; the same result as one pass). Gzip archives are read
 * as one stream each; small inputs stay in-process. A stream input (`{ name: '<stdin>', stream:
 * process.stdin }`, plain or gzip) is read once, in constant memory, on this thread, and keeps
 * every input on it. Malformed lines are counted in
 * `malformed_lines`; the first five (file order) are in `first_malformed` and passed to
 * `onMalformed` (use `readTelemetry` to see every one).
 *
 * @example
 * const summary = await summarizeTelemetry('telemetry.jsonl', { since: Date.now() / 1000 - 86_400 });
 * console.log(`Total actions: ${summary.total.toLocaleString('en-US')}`);
 * console.log(`Success rate: ${summary.success_rate.toFixed(1)}%`);
 * for (const [action, a] of Object.entries(summary.actions)) console.log(`  ${action}: p95=${a.p95_ms}`);
 */
export async function summarizeTelemetry(
  paths: TelemetryInput | TelemetryInput[],
  options: SummarizeOptions = {},
): Promise<TelemetrySummary> {
  return (await runSummary(paths, options)).builder.result();
}
