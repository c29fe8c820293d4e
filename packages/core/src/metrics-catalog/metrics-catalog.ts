import { TELEMETRY_ACTIONS } from '../telemetry/event.js';

/**
 * Every Prometheus metric Event Kit exposes, defined once: the exporter registers these, and the
 * alert rules and the Grafana dashboard may only reference these names (a test checks it).
 */
export const METRIC_NAMES = {
  requests: 'event_agent_requests_total',
  errors: 'event_agent_errors_total',
  latency: 'event_agent_latency_seconds',
  authFailures: 'event_agent_auth_failures_total',
  healthUp: 'event_agent_health_up',
  diskFreeRatio: 'event_agent_telemetry_disk_free_ratio',
  exporterLines: 'event_agent_exporter_lines_total',
  exporterMalformedLines: 'event_agent_exporter_malformed_lines_total',
  exporterRotations: 'event_agent_exporter_rotations_total',
  exporterLag: 'event_agent_exporter_lag_seconds',
} as const;

export type MetricKey = keyof typeof METRIC_NAMES;
export type MetricName = (typeof METRIC_NAMES)[MetricKey];

export interface MetricDefinition {
  name: MetricName;
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  labels: readonly string[];
}

/** Upper bounds (seconds) of the latency histogram buckets; `+Inf` is implied. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
]);

/** The action a failed authentication is logged under; each such line is one auth failure. */
export const AUTH_FAILURE_ACTION = 'unauthorized';

/** The label value every action outside the bounded set folds into. */
export const OTHER_ACTION = 'other';

/** How many actions outside `TELEMETRY_ACTIONS` may get their own series before folding into `other`. */
export const EXTRA_ACTIONS_CAP = 4;

const ACTION_LABEL = ['action'] as const;

/**
 * Name, type, help text and labels of each metric, keyed like `METRIC_NAMES`.
 *
 * @example
 * new Counter({ name: METRIC_CATALOG.requests.name, help: METRIC_CATALOG.requests.help, labelNames: [...METRIC_CATALOG.requests.labels] });
 */
export const METRIC_CATALOG: { readonly [K in MetricKey]: MetricDefinition } = {
  requests: {
    name: METRIC_NAMES.requests,
    type: 'counter',
    help: 'Requests the agent logged to telemetry, by action.',
    labels: ACTION_LABEL,
  },
  errors: {
    name: METRIC_NAMES.errors,
    type: 'counter',
    help: 'Requests logged with success=false, by action.',
    labels: ACTION_LABEL,
  },
  latency: {
    name: METRIC_NAMES.latency,
    type: 'histogram',
    help: 'Request latency in seconds (telemetry latency_ms / 1000), by action.',
    labels: ACTION_LABEL,
  },
  authFailures: {
    name: METRIC_NAMES.authFailures,
    type: 'counter',
    help: `Failed authentications (telemetry lines with action "${AUTH_FAILURE_ACTION}").`,
    labels: [],
  },
  healthUp: {
    name: METRIC_NAMES.healthUp,
    type: 'gauge',
    help: "1 if the agent's /health answered healthy at the last probe, else 0.",
    labels: [],
  },
  diskFreeRatio: {
    name: METRIC_NAMES.diskFreeRatio,
    type: 'gauge',
    help: 'Free space of the file system holding the telemetry file, 0..1.',
    labels: [],
  },
  exporterLines: {
    name: METRIC_NAMES.exporterLines,
    type: 'counter',
    help: 'Complete telemetry lines the exporter has read, valid or not.',
    labels: [],
  },
  exporterMalformedLines: {
    name: METRIC_NAMES.exporterMalformedLines,
    type: 'counter',
    help: 'Telemetry lines the exporter skipped: invalid JSON, schema violations, or over the length limit.',
    labels: [],
  },
  exporterRotations: {
    name: METRIC_NAMES.exporterRotations,
    type: 'counter',
    help: 'Rotations the exporter followed: renames, truncations (copytruncate) and re-creations.',
    labels: [],
  },
  exporterLag: {
    name: METRIC_NAMES.exporterLag,
    type: 'gauge',
    help: 'Seconds between now and the newest telemetry event ts the exporter has read.',
    labels: [],
  },
};

/** Every series name the metrics above produce (histograms expand to _bucket, _sum, _count). */
export function exposedSeriesNames(): string[] {
  return Object.values(METRIC_CATALOG).flatMap((metric) =>
    metric.type === 'histogram'
      ? [`${metric.name}_bucket`, `${metric.name}_sum`, `${metric.name}_count`]
      : [metric.name],
  );
}

const ACTION_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;

export interface ActionFolderOptions {
  /** Extra actions already given their own series (e.g. restored from a checkpoint). */
  admitted?: readonly string[];
  cap?: number;
}

export interface ActionFolder {
  /** The `action` label value to use for a telemetry action. */
  fold(action: string): string;
  /** The extra (non-`TELEMETRY_ACTIONS`) actions admitted so far, in admission order. */
  admitted(): string[];
}

/**
 * Bounds the `action` label: known actions map to themselves, the first `cap` other actions that
 * look like identifiers get their own series, everything else is `other`. So no input can create
 * more than `TELEMETRY_ACTIONS.length + cap + 1` series per metric.
 *
 * @example
 * const folder = createActionFolder({ cap: 1 });
 * folder.fold('recommend'); // 'recommend'
 * folder.fold('search');    // 'search' (admitted)
 * folder.fold('browse');    // 'other'
 */
export function createActionFolder({
  admitted = [],
  cap = EXTRA_ACTIONS_CAP,
}: ActionFolderOptions = {}): ActionFolder {
  const known = new Set<string>(TELEMETRY_ACTIONS);
  const extra = new Set<string>();
  for (const action of admitted) {
    if (extra.size < cap && !known.has(action) && ACTION_PATTERN.test(action)) extra.add(action);
  }
  return {
    fold(action) {
      if (known.has(action) || extra.has(action)) return action;
      if (extra.size < cap && action !== OTHER_ACTION && ACTION_PATTERN.test(action)) {
        extra.add(action);
        return action;
      }
      return OTHER_ACTION;
    },
    admitted: () => [...extra],
  };
}

/** The label values whose series exist (at 0) from the start: the known actions and `other`. */
export function initialActionLabels(): string[] {
  return [...TELEMETRY_ACTIONS, OTHER_ACTION];
}
