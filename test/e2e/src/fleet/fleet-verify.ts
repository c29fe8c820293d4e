import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { instanceTelemetryFiles, METRIC_CATALOG } from '@eventkit/core/telemetry';
import { builtBin } from '../bins.js';
import { type ActionCounts, tally, telemetryCensus } from '../census.js';
import { checkExporter, compareCounts, type Mismatches } from '../drill-checks.js';
import type { LoadResult, RequestKind } from '../load.js';
import { waitFor } from '../processes.js';
import type { ClientResult } from './clients.js';
import {
  answeredJustBefore,
  checkInstances,
  compareHost,
  expectedByHost,
  hostTelemetryFiles,
  type Kill,
  statusesInLog,
  unansweredByHost,
} from './fleet-checks.js';
import type { Fleet } from './fleet-setup.js';
import { type AccessLogLine, attempts } from './nginx.js';

/**
 * The agent's telemetry writer's flush interval (core's `flushIntervalMs` default, which the
 * agent keeps): what a SIGKILLed process may lose (agent README, "What SIGKILL costs").
 */
export const AGENT_FLUSH_INTERVAL_MS = 50;

export interface FleetHostReport {
  name: string;
  upstream: string;
  workers: number;
  /** What nginx says this host answered, as telemetry actions. */
  answered: number;
  telemetry: { files: number; lines: number; byInstance: Record<string, number> };
  /** Lines a SIGKILL took, and the most it may take (answers in the last flush interval). */
  lost: number;
  lossBound?: number;
  exporterRequests: number;
  prometheusRequests: number;
  exits: Array<number | string>;
}

const execFileAsync = promisify(execFile);

/** `eventkit summarize --json` in a host's directory, on its agent.json's telemetry file. */
async function summarizeOnHost(
  dir: string,
  manifest: string,
): Promise<{ actions: Record<string, { count: number; failures: number }> }> {
  const { stdout } = await execFileAsync(
    process.execPath,
    [builtBin('@eventkit/cli'), 'summarize', '--json', '--manifest', manifest],
    { cwd: dir, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as { actions: Record<string, { count: number; failures: number }> };
}

/** Every answer had the status its kind expects; the noisy client alone got 429s. */
export function checkClients(
  kinds: RequestKind[],
  load: LoadResult,
  clients: ClientResult[],
  mismatches: Mismatches,
) {
  for (const kind of kinds) {
    for (const [status, count] of Object.entries(load.byKind[kind.name] ?? {})) {
      if (Number(status) !== kind.status) {
        mismatches.push(`load: ${kind.name} answered ${status} ${count}×, expected ${kind.status}`);
      }
    }
  }
  if (load.errors > 0) mismatches.push(`load: ${load.errors} requests without a response`);
  const [noisy, ...polite] = clients;
  if (!noisy?.byStatus['429']) mismatches.push('rate limit: the noisy client got no 429');
  for (const client of clients) {
    const allowed = client === noisy ? ['200', '429'] : ['200'];
    for (const [status, count] of Object.entries(client.byStatus)) {
      if (!allowed.includes(status)) {
        mismatches.push(`${client.name} client (${client.localAddress}): ${count}× ${status}`);
      }
    }
    if (client.errors > 0) {
      mismatches.push(
        `${client.name} client: ${client.errors} requests without a response (${client.firstError})`,
      );
    }
  }
  if (polite.some((client) => client.responses === 0)) {
    mismatches.push('a polite client got no answer');
  }
}

/** Responses by status, as the clients saw them, against nginx's log; resolves with both. */
export function checkStatuses(
  seen: Array<Record<string, number>>,
  accessLog: AccessLogLine[],
  mismatches: Mismatches,
) {
  const sent: Record<string, number> = {};
  for (const byStatus of seen) {
    for (const [status, count] of Object.entries(byStatus)) {
      sent[status] = (sent[status] ?? 0) + count;
    }
  }
  const logged = statusesInLog(accessLog);
  for (const status of new Set([...Object.keys(sent), ...Object.keys(logged)])) {
    if ((sent[status] ?? 0) !== (logged[status] ?? 0)) {
      mismatches.push(
        `nginx logged ${logged[status] ?? 0}× ${status}, the clients saw ${sent[status] ?? 0}`,
      );
    }
  }
  return {
    responses: Object.values(sent).reduce((a, b) => a + b, 0),
    logged,
    failovers: accessLog.filter((line) => attempts(line).length > 1).length,
  };
}

/**
 * The agents' logs name each client as the rate limiter saw it: `client` appears, `never` do
 * (nginx's own address, an address an untrusted client forged), and so does an edge user.
 */
export async function checkClientLogs(
  fleet: Fleet,
  client: string,
  never: string[],
  mismatches: Mismatches,
) {
  const clients = new Map<string, number>();
  for (const host of fleet.hosts) {
    const dir = path.join(host.dir, 'logs');
    for (const name of await readdir(dir)) {
      const text = await readFile(path.join(dir, name), 'utf8');
      for (const match of text.matchAll(/ Request started: \S+ from (\S+)/g)) {
        const from = match[1] ?? '';
        clients.set(from, (clients.get(from) ?? 0) + 1);
      }
    }
  }
  if (!clients.has(client)) mismatches.push(`agent logs: no request from ${client}`);
  if (![...clients.keys()].some((from) => from.startsWith('10.0.'))) {
    mismatches.push('agent logs: no request from a user the edge proxy relayed (10.0.x.y)');
  }
  for (const wrong of never) {
    if (clients.has(wrong)) {
      mismatches.push(
        `agent logs: ${clients.get(wrong)} requests logged as from ${wrong}, which is never the client`,
      );
    }
  }
}

/**
 * Per host: what nginx says it answered = its telemetry across every file of every instance
 * (less the SIGKILL bound) = its exporter's counters; the trace ids sent through nginx are in
 * telemetry. Resolves with a report per host and the fleet's telemetry by action.
 */
export async function verifyHosts(
  fleet: Fleet,
  accessLog: AccessLogLine[],
  actionOfPath: (path: string) => string | undefined,
  kills: Kill[],
  traceIds: string[],
  mismatches: Mismatches,
) {
  const expected = expectedByHost(accessLog, actionOfPath, mismatches);
  const unanswered = unansweredByHost(accessLog);
  const hosts: FleetHostReport[] = [];
  const fleetTelemetry: ActionCounts = {};
  const tracesSeen = new Set<string>();
  for (const host of fleet.hosts) {
    const upstream = fleet.upstreamOf(host);
    const files = await hostTelemetryFiles(host.telemetryFile);
    const found: string[] = [];
    const census = await telemetryCensus(files);
    if (census.malformed > 0) {
      found.push(
        `telemetry: ${census.malformed} malformed lines: ${census.firstMalformed.join('; ')}`,
      );
    }
    if (census.duplicateTraceIds > 0) {
      found.push(`telemetry: ${census.duplicateTraceIds} duplicated trace_ids`);
    }
    // The CLI's summary path reads the same files to the same counts.
    compareCounts(found, 'summarizeTelemetry', census.byAction, census.summary);
    // And what an operator runs on the host: every instance's files, archives included.
    const cli = await summarizeOnHost(host.dir, host.manifestPath).catch((error: Error) => {
      found.push(`eventkit summarize: ${error.message}`);
      return { actions: {} };
    });
    compareCounts(found, 'eventkit summarize', census.byAction, cli.actions);
    for (const id of traceIds) if (census.traceIds.has(id)) tracesSeen.add(id);
    const hostKills = kills.filter((kill) => kill.upstream === upstream);
    const lossBound =
      hostKills.length === 0
        ? undefined
        : hostKills.reduce(
            (sum, kill) => sum + answeredJustBefore(accessLog, kill, AGENT_FLUSH_INTERVAL_MS),
            0,
          );
    const { answered, lost } = compareHost(
      found,
      host.name,
      expected.get(upstream) ?? {},
      census,
      lossBound,
      unanswered.get(upstream) ?? 0,
    );
    checkInstances(found, host.name, census.byInstance);
    for (const [action, entry] of Object.entries(census.byAction)) {
      tally(fleetTelemetry, action, entry.count, entry.failures);
    }
    const exporter = fleet.exporters.get(host);
    const requests = exporter
      ? (await checkExporter(exporter.url, exporter.child, census, found)).requests
      : {};
    // One glob, every instance's live file followed (the workers' files appeared after it started).
    const live = (await instanceTelemetryFiles(host.telemetryFile)).length;
    const followed = (await exporter?.scrape())?.get(METRIC_CATALOG.exporterFiles.name);
    if (followed !== live) {
      found.push(`exporter follows ${followed} files, the host has ${live} live telemetry files`);
    }
    mismatches.push(...found.map((m) => `${host.name}: ${m}`));
    hosts.push({
      name: host.name,
      upstream,
      workers: host.workers,
      answered,
      telemetry: { files: files.length, lines: census.events, byInstance: census.byInstance },
      lost,
      ...(lossBound === undefined ? {} : { lossBound }),
      exporterRequests: Object.values(requests).reduce((a, b) => a + b, 0),
      prometheusRequests: Number.NaN,
      exits: host.exits,
    });
  }
  if (tracesSeen.size !== traceIds.length) {
    mismatches.push(
      `telemetry: ${traceIds.length - tracesSeen.size} of the trace ids sent through nginx are missing`,
    );
  }
  return { hosts, fleetTelemetry };
}

/**
 * Prometheus: `sum by (instance)` = each exporter, `sum by (action)` = the fleet's telemetry, no
 * counter reset, every rule healthy. Fills in each host's `prometheusRequests`; resolves with
 * `sum(event_agent_requests_total)`.
 */
export async function verifyPrometheus(
  fleet: Fleet,
  hosts: FleetHostReport[],
  fleetTelemetry: ActionCounts,
  mismatches: Mismatches,
): Promise<number> {
  const { prometheus } = fleet;
  const targets = fleet.hosts.map(fleet.targetOf);
  const perInstance = async () =>
    Object.fromEntries(
      (await prometheus.query('sum by (instance) (event_agent_requests_total)')).map((s) => [
        s.labels.instance ?? '',
        s.value,
      ]),
    );
  let scraped: Record<string, number> = {};
  try {
    scraped = await waitFor(
      'prometheus scraped the final counts',
      async () => {
        const now = await perInstance();
        return hosts.every((h, i) => now[targets[i] ?? ''] === h.exporterRequests)
          ? now
          : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 500 },
    );
  } catch (error) {
    mismatches.push(`prometheus: ${(error as Error).message}`);
    scraped = await perInstance().catch(() => ({}));
  }
  hosts.forEach((report, i) => {
    report.prometheusRequests = scraped[targets[i] ?? ''] ?? Number.NaN;
  });
  const byAction = Object.fromEntries(
    (await prometheus.query('sum by (action) (event_agent_requests_total)')).map((s) => [
      s.labels.action ?? '',
      { count: s.value },
    ]),
  );
  compareCounts(mismatches, 'prometheus fleet sums', fleetTelemetry, byAction, { failures: false });
  const total = (await prometheus.query('sum(event_agent_requests_total)'))[0]?.value ?? Number.NaN;
  const lines = hosts.reduce((sum, h) => sum + h.telemetry.lines, 0);
  if (total !== lines) {
    mismatches.push(`prometheus: sum(event_agent_requests_total) ${total}, telemetry ${lines}`);
  }
  const resets =
    (await prometheus.query('sum(resets(event_agent_requests_total[1h]))'))[0]?.value ?? 0;
  if (resets !== 0) mismatches.push(`prometheus: event_agent_requests_total reset ${resets}×`);
  const rules = await prometheus.rules();
  if (rules.unhealthy.length > 0) {
    mismatches.push(`prometheus rules failing: ${rules.unhealthy.join('; ')}`);
  }
  return total;
}

/**
 * EventAgentInstanceDown fired for `victim`'s exporter, and EventAgentDown was never pending or
 * firing from `from` until `until` (epoch ms; after that, the final stop of every agent rightly
 * makes it pending).
 */
export async function checkFleetAlerts(
  fleet: Fleet,
  alerts: { instanceDown?: string; fleetDownSeen: boolean },
  victim: string,
  { from, until }: { from: number; until: number },
  mismatches: Mismatches,
) {
  if (alerts.instanceDown !== victim) {
    mismatches.push(
      `EventAgentInstanceDown fired for ${alerts.instanceDown ?? 'nothing'}, expected ${victim}`,
    );
  }
  const range = Math.ceil((until - from) / 1000);
  const at = `[${range}s] @ ${until / 1000}`;
  const down = await fleet.prometheus.query(
    `count_over_time(ALERTS{alertname="EventAgentDown"}${at})`,
  );
  if (alerts.fleetDownSeen || down.length > 0) {
    mismatches.push('EventAgentDown was pending or firing with one host of three down');
  }
  // Every exporter stays scrapeable throughout (the SIGKILLed host's too: only its agent died).
  // A failed scrape drops an instance's health from the fleet's view of it.
  for (const sample of await fleet.prometheus.query(`min_over_time(up{job="event-agent"}${at})`)) {
    if (sample.value !== 1) {
      const failed = await fleet.prometheus.query(
        `count_over_time(up{job="event-agent",instance="${sample.labels.instance}"}${at}) - sum_over_time(up{job="event-agent",instance="${sample.labels.instance}"}${at})`,
      );
      mismatches.push(
        `prometheus: ${failed[0]?.value ?? 'some'} scrapes of ${sample.labels.instance} failed during the drill`,
      );
    }
  }
}
