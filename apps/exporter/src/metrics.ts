import {
  LATENCY_BUCKETS_SECONDS,
  METRIC_CATALOG,
  type MetricDefinition,
} from '@eventkit/core/telemetry';
import {
  type Aggregator,
  Counter,
  collectDefaultMetrics,
  Gauge,
  type Metric,
  type Registry,
} from 'prom-client';
import type { TallySnapshot } from './tally.js';

export interface ExporterMetricsOptions {
  registry: Registry;
  /** Live counters; read at each scrape. */
  tally: Readonly<TallySnapshot>;
  /** Probes the agent's /health: 1 healthy, 0 not. Without it, `event_agent_health_up` is absent. */
  probeHealth?: () => Promise<number>;
  /** Free-space ratio of the telemetry file system; undefined when it cannot be measured. */
  diskFreeRatio?: () => Promise<number | undefined>;
  now?: () => number;
  /** Register prom-client's default process metrics (off in exposition tests). */
  processMetrics?: boolean;
}

function counterFromTally(
  definition: MetricDefinition,
  registry: Registry,
  read: () => Array<[labels: Record<string, string>, value: number]>,
): Counter {
  return new Counter({
    name: definition.name,
    help: definition.help,
    labelNames: [...definition.labels],
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels, value);
    },
  });
}

interface HistogramValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/**
 * A histogram whose buckets come from the tally, so a restart can restore them. prom-client's
 * Histogram cannot be set to given bucket counts; its Registry only needs `name` and `get()`.
 */
function histogramFromTally(definition: MetricDefinition, tally: Readonly<TallySnapshot>): Metric {
  const { name, help } = definition;
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum' as Aggregator,
    async get() {
      const values: HistogramValue[] = [];
      for (const [action, counts] of Object.entries(tally.actions)) {
        let cumulative = 0;
        counts.buckets.forEach((count, i) => {
          cumulative += count;
          const le = LATENCY_BUCKETS_SECONDS[i] ?? '+Inf';
          values.push({ labels: { action, le }, value: cumulative, metricName: `${name}_bucket` });
        });
        values.push({ labels: { action }, value: counts.latencySum, metricName: `${name}_sum` });
        values.push({ labels: { action }, value: cumulative, metricName: `${name}_count` });
      }
      return { name, help, type: 'histogram', values, aggregator: metric.aggregator };
    },
    reset() {},
  };
  return metric as unknown as Metric;
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
  now = Date.now,
  processMetrics = true,
}: ExporterMetricsOptions): void {
  const perAction = (pick: (t: TallySnapshot['actions'][string]) => number) => () =>
    Object.entries(tally.actions).map(
      ([action, counts]) => [{ action }, pick(counts)] as [Record<string, string>, number],
    );
  const single = (read: () => number) => () =>
    [[{}, read()]] as Array<[Record<string, string>, number]>;

  counterFromTally(
    METRIC_CATALOG.requests,
    registry,
    perAction((t) => t.requests),
  );
  counterFromTally(
    METRIC_CATALOG.errors,
    registry,
    perAction((t) => t.errors),
  );
  registry.registerMetric(histogramFromTally(METRIC_CATALOG.latency, tally));
  counterFromTally(
    METRIC_CATALOG.authFailures,
    registry,
    single(() => tally.authFailures),
  );
  counterFromTally(
    METRIC_CATALOG.exporterLines,
    registry,
    single(() => tally.lines),
  );
  counterFromTally(
    METRIC_CATALOG.exporterMalformedLines,
    registry,
    single(() => tally.malformedLines),
  );
  counterFromTally(
    METRIC_CATALOG.exporterRotations,
    registry,
    single(() => tally.rotations),
  );

  new Gauge({
    name: METRIC_CATALOG.exporterLag.name,
    help: METRIC_CATALOG.exporterLag.help,
    registers: [registry],
    collect() {
      // NaN until the first event: "no data yet", not "no lag".
      this.set(tally.newestTs === null ? Number.NaN : Math.max(0, now() / 1000 - tally.newestTs));
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

  if (processMetrics) collectDefaultMetrics({ register: registry });
}
