import { TELEMETRY_ACTIONS, TELEMETRY_GAP_ACTION } from '../telemetry/event.js';

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
  exporterFiles: 'event_agent_exporter_files',
  exporterFileLag: 'event_agent_exporter_file_lag_bytes',
  telemetryDropped: 'event_agent_telemetry_dropped_total',
} as const;

export type MetricKey = keyof typeof METRIC_NAMES;
export type MetricName = (typeof METRIC_NAMES)[MetricKey];

export interface MetricDefinition {
  name: MetricName;
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  labels: readonly string[];
}

/**
 * Upper bounds (seconds) of the latency histogram buckets; `+Inf` is implied.
 *
 * @example
 * const bucket = LATENCY_BUCKETS_SECONDS.findIndex((le) => latencyMs / 1000 <= le); // -1: +Inf
 */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
]);

/**
 * The action a failed authentication is logged under; each such line is one auth failure.
 *
 * @example
 * if (event.action === AUTH_FAILURE_ACTION) authFailures++;
 */
export const AUTH_FAILURE_ACTION = 'unauthorized';

/**
 * What every action without its own name is counted as (see `foldAction`).
 *
 * @example
 * const labels = [...TELEMETRY_ACTIONS, OTHER_ACTION]; // every label known before any line
 */
export const OTHER_ACTION = 'other';

/**
 * How many actions outside `TELEMETRY_ACTIONS` may keep their own name (see `foldAction`).
 *
 * @example
 * const maxLabels = TELEMETRY_ACTIONS.length + EXTRA_ACTIONS_CAP + 1; // + `other`
 */
export const EXTRA_ACTIONS_CAP = 16;

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
  exporterFiles: {
    name: METRIC_NAMES.exporterFiles,
    type: 'gauge',
    help: 'Telemetry files the exporter follows: those named, and every live file its patterns match.',
    labels: [],
  },
  exporterFileLag: {
    name: METRIC_NAMES.exporterFileLag,
    type: 'gauge',
    help: 'Bytes of a followed telemetry file after the last complete line read, by file base name.',
    labels: ['file'],
  },
  telemetryDropped: {
    name: METRIC_NAMES.telemetryDropped,
    type: 'counter',
    help: `Telemetry lines the agent could not write, from its gap records (action "${TELEMETRY_GAP_ACTION}", payload.dropped).`,
    labels: [],
  },
};

const KNOWN_ACTIONS: ReadonlySet<string> = new Set(TELEMETRY_ACTIONS);
const EXTRA_ACTION_NAME = /^[a-z][a-z0-9_]{0,39}$/;

/** The state `foldAction` keeps for one count (a summary, the exporter's counters). */
export interface ActionFold {
  /** The actions outside `TELEMETRY_ACTIONS` that keep their own name, in the order they came. */
  readonly extras: Set<string>;
  /** Set once an action that could have kept its name came with no room left. */
  overflowed: boolean;
}

/**
 * The one rule that folds unknown actions into `other`, for every count by action: the summary
 * (`summarizeTelemetry`, `eventkit summarize`), the CLI dashboard and the exporter's `action` label.
 *
 * - An action of `TELEMETRY_ACTIONS` (what the agent writes) keeps its name.
 * - Another action keeps its name when it looks like an identifier (`[a-z][a-z0-9_]{0,39}`, not
 *   `other`) and is one of the first `EXTRA_ACTIONS_CAP` such actions; they join
 *   `fold.extras` as they come.
 * - Everything else is counted as `other`: so no input makes more than
 *   `TELEMETRY_ACTIONS.length + EXTRA_ACTIONS_CAP + 1` names, and Prometheus gets a bounded
 *   `action` label, whatever the input.
 *
 * Past the cap the two kinds of count differ, as they must. The exporter keeps the series it
 * has already exposed, since a counter cannot be taken back. A summary is merged from parts
 * read in any order (worker threads), so it cannot tell which extras came first: once
 * `fold.overflowed`, it counts every action outside `TELEMETRY_ACTIONS` as `other`. Up to the
 * cap, the summary, the dashboard and the metrics show the same names.
 *
 * @example
 * const fold: ActionFold = { extras: new Set(), overflowed: false };
 * foldAction('recommend', fold); // 'recommend'
 * foldAction('search', fold);    // 'search' (fold.extras now holds it)
 * foldAction('Search!', fold);   // 'other'
 */
export function foldAction(action: string, fold: ActionFold, cap = EXTRA_ACTIONS_CAP): string {
  if (KNOWN_ACTIONS.has(action) || fold.extras.has(action)) return action;
  if (action === OTHER_ACTION || !EXTRA_ACTION_NAME.test(action)) return OTHER_ACTION;
  if (fold.extras.size < cap) {
    fold.extras.add(action);
    return action;
  }
  fold.overflowed = true;
  return OTHER_ACTION;
}
