import {
  LATENCY_BUCKETS_SECONDS,
  METRIC_CATALOG,
  type MetricDefinition,
} from '@eventkit/core/telemetry';
import {
  type Aggregator,
  collectDefaultMetrics,
  Gauge,
  type Metric,
  type Registry,
  type RegistryContentType,
} from 'prom-client';
import type { TallyExemplar, TallySnapshot, TelemetryTally } from './tally.js';

export interface ExporterMetricsOptions {
  registry: Registry<RegistryContentType>;
  /** Live counters; `state` is read at each scrape. */
  tally: Pick<TelemetryTally, 'state'>;
  /** Probes the agent's /health: 1 healthy, 0 not. Without it, `event_agent_health_up` is absent. */
  probeHealth?: () => Promise<number>;
  /** Free-space ratio of the telemetry file system; undefined when it cannot be measured. */
  diskFreeRatio?: () => Promise<number | undefined>;
  /** The files followed; without it, neither `event_agent_exporter_files` nor the per-file lag. */
  files?: ExporterFiles;
  now?: () => number;
  /** Register prom-client's default process metrics (off in exposition tests). */
  processMetrics?: boolean;
}

/** The telemetry files an exporter follows, read at each scrape. */
export interface ExporterFiles {
  count(): number;
  /** Each file's label (its base name) and its bytes not yet read. */
  lagBytes(): Promise<Array<[file: string, bytes: number]>>;
}

/** A sample as prom-client's Registry renders it; the exemplar only in OpenMetrics. */
interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
  exemplar?: { labelSet: Record<string, string>; value: number; timestamp: number };
}

type Read = () => Array<
  [labels: Record<string, string>, value: number, exemplar?: TallyExemplar | null]
>;

function toExemplar(exemplar: TallyExemplar | null | undefined): Sample['exemplar'] {
  return exemplar
    ? { labelSet: { trace_id: exemplar.traceId }, value: exemplar.value, timestamp: exemplar.ts }
    : undefined;
}

/**
 * A metric read from the tally at scrape time. prom-client's Counter and Histogram cannot be set
 * to given counts, nor carry an exemplar stamped with the line's own time; its Registry only needs
 * `name`, `type` and `get()`. The name is read at each `get()`: an OpenMetrics registry drops a
 * counter's `_total` from it and adds it back to the samples.
 */
function metricFromTally(
  definition: MetricDefinition,
  registry: Registry<RegistryContentType>,
  samples: (name: string) => Sample[],
): void {
  const { help, type } = definition;
  const metric = {
    name: definition.name as string,
    help,
    type,
    aggregator: 'sum' as Aggregator,
    async get() {
      return {
        name: metric.name,
        help,
        type,
        values: samples(metric.name),
        aggregator: metric.aggregator,
      };
    },
    reset() {},
  };
  registry.registerMetric(metric as unknown as Metric);
}

function counterFromTally(
  definition: MetricDefinition,
  registry: Registry<RegistryContentType>,
  read: Read,
): void {
  metricFromTally(definition, registry, () =>
    read().map(([labels, value, exemplar]) => ({ labels, value, exemplar: toExemplar(exemplar) })),
  );
}

/** The latency histogram; each bucket carries the exemplar of the latest line that landed in it. */
function histogramFromTally(
  definition: MetricDefinition,
  registry: Registry<RegistryContentType>,
  tally: Pick<TelemetryTally, 'state'>,
): void {
  metricFromTally(definition, registry, (name) => {
    const values: Sample[] = [];
    for (const [action, counts] of Object.entries(tally.state.actions)) {
      let cumulative = 0;
      counts.buckets.forEach((count, i) => {
        cumulative += count;
        const le = LATENCY_BUCKETS_SECONDS[i] ?? '+Inf';
        values.push({
          labels: { action, le },
          value: cumulative,
          metricName: `${name}_bucket`,
          exemplar: toExemplar(counts.bucketExemplars[i]),
        });
      });
      values.push({ labels: { action }, value: counts.latencySum, metricName: `${name}_sum` });
      values.push({ labels: { action }, value: cumulative, metricName: `${name}_count` });
    }
    return values;
  });
}

/**
 * Registers every metric of the catalog on `registry` (never the global one), reading the tally
 * at scrape time.
 */
export function registerExporterMetrics({
  registry,
  tally,
  probeHealth,
  diskFreeRatio,
  files,
  now = Date.now,
  processMetrics = true,
}: ExporterMetricsOptions): void {
  type ActionCounts = TallySnapshot['actions'][string];
  const perAction =
    (
      pick: (t: ActionCounts) => number,
      exemplar?: (t: ActionCounts) => TallyExemplar | null,
    ): Read =>
    () =>
      Object.entries(tally.state.actions).map(([action, counts]) => [
        { action },
        pick(counts),
        exemplar?.(counts),
      ]);
  const single =
    (read: () => number): Read =>
    () => [[{}, read()]];

  counterFromTally(
    METRIC_CATALOG.requests,
    registry,
    perAction((t) => t.requests),
  );
  counterFromTally(
    METRIC_CATALOG.errors,
    registry,
    perAction(
      (t) => t.errors,
      (t) => t.errorExemplar,
    ),
  );
  histogramFromTally(METRIC_CATALOG.latency, registry, tally);
  counterFromTally(
    METRIC_CATALOG.authFailures,
    registry,
    single(() => tally.state.authFailures),
  );
  counterFromTally(
    METRIC_CATALOG.exporterLines,
    registry,
    single(() => tally.state.lines),
  );
  counterFromTally(
    METRIC_CATALOG.exporterMalformedLines,
    registry,
    single(() => tally.state.malformedLines),
  );
  counterFromTally(
    METRIC_CATALOG.exporterRotations,
    registry,
    single(() => tally.state.rotations),
  );
  counterFromTally(
    METRIC_CATALOG.telemetryDropped,
    registry,
    single(() => tally.state.telemetryDropped),
  );

  new Gauge({
    name: METRIC_CATALOG.exporterLag.name,
    help: METRIC_CATALOG.exporterLag.help,
    registers: [registry],
    collect() {
      // NaN until the first event: "no data yet", not "no lag".
      const { newestTs } = tally.state;
      this.set(newestTs === null ? Number.NaN : Math.max(0, now() / 1000 - newestTs));
    },
  });

  if (probeHealth) {
    new Gauge({
      name: METRIC_CATALOG.healthUp.name,
      help: METRIC_CATALOG.healthUp.help,
      registers: [registry],
      async collect() {
        this.set(await probeHealth());
      },
    });
  }

  if (diskFreeRatio) {
    new Gauge({
      name: METRIC_CATALOG.diskFreeRatio.name,
      help: METRIC_CATALOG.diskFreeRatio.help,
      registers: [registry],
      async collect() {
        // NaN (never "0% free") when it cannot be measured, so DiskAlmostFull stays quiet.
        this.set((await diskFreeRatio()) ?? Number.NaN);
      },
    });
  }

  if (files) {
    new Gauge({
      name: METRIC_CATALOG.exporterFiles.name,
      help: METRIC_CATALOG.exporterFiles.help,
      registers: [registry],
      collect() {
        this.set(files.count());
      },
    });
    new Gauge({
      name: METRIC_CATALOG.exporterFileLag.name,
      help: METRIC_CATALOG.exporterFileLag.help,
      labelNames: METRIC_CATALOG.exporterFileLag.labels,
      registers: [registry],
      async collect() {
        // Only the files followed now: a file gone for good takes its series with it.
        this.reset();
        for (const [file, bytes] of await files.lagBytes()) this.set({ file }, bytes);
      },
    });
  }

  if (processMetrics) collectDefaultMetrics({ register: registry });
}
