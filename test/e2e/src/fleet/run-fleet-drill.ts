import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../bins.js';
import { type ActionCounts, tally, telemetryCensus } from '../census.js';
import { checkExporter, compareCounts } from '../drill-checks.js';
import { type ExporterProcess, startExporter } from '../exporter-process.js';
import { type LoadResult, requestMix, runLoad } from '../load.js';
import {
  createProcessGroup,
  freePort,
  type ProcessGroup,
  sleep,
  stopChild,
  waitFor,
} from '../processes.js';
import { startPrometheus } from '../prometheus.js';
import { writeManifest } from '../run-drill.js';
import { type ClientResult, runClient } from './clients.js';
import {
  actionLookup,
  answeredJustBefore,
  checkInstances,
  compareHost,
  expectedByHost,
  hostTelemetryFiles,
  type Kill,
  statusesInLog,
  unansweredByHost,
} from './fleet-checks.js';
import {
  type AgentHost,
  createAgentHost,
  type FleetSupport,
  fleetSupport,
  portFreeOnAll,
} from './hosts.js';
import { attempts, readAccessLog, startNginx } from './nginx.js';
import { shortenAlertDurations } from './rules.js';

/**
 * The agent's telemetry writer's flush interval (core's `flushIntervalMs` default, which the
 * agent keeps): what a SIGKILLed process may lose (agent README, "Guarantees").
 */
export const AGENT_FLUSH_INTERVAL_MS = 50;

/** The three hosts' loopback addresses (all of 127.0.0.0/8 is loopback on Linux). */
const HOST_ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
/** The direct clients' addresses: one over its rate limit, the others polite. */
const NOISY_CLIENT = '127.0.0.5';
const POLITE_CLIENTS = ['127.0.0.6', '127.0.0.7', '127.0.0.8', '127.0.0.9'];
/**
 * The agents' rate limit in the drill: 5 requests a second per client and process, a burst of 20.
 * The main load comes through 127.0.0.1, which the agents trust like nginx (an edge proxy in
 * front of many users), each request from one of USERS users; the noisy client sends as fast as
 * it can and the polite ones one request every half second.
 */
const RATE_LIMIT = { perMinute: 300, burst: 20 };
/** Users behind the edge proxy that sends the main load. */
const USERS = 1024;
/** What the noisy client claims to be: its own X-Forwarded-For, which nobody trusts. */
const FORGED_BY_NOISY = '203.0.113.7';
const NOISY_PATH = '/recommend?interests=agents&top=2&client=noisy';
const POLITE_PATH = '/recommend?interests=observability&top=2&client=polite';

export interface FleetDrillOptions {
  /** Rolling restarts of the whole fleet. */
  rounds?: number;
  /** Load after the last operation, before it stops. */
  tailMs?: number;
  connections?: number;
  /** `for:` of the fleet alerts in the drill's copy of the rules (3m as shipped). */
  alertForSeconds?: number;
  /** SHUTDOWN_DELAY_MS of the agents. */
  shutdownDelayMs?: number;
  /** telemetry.maxSizeBytes of every agent: small, so files rotate during the drill. */
  maxSizeBytes?: number;
  keep?: boolean;
  log?: (line: string) => void;
  group?: ProcessGroup;
}

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

export interface FleetReport {
  workDir: string;
  support: FleetSupport;
  /** Checks not run because a piece of the fleet is not built yet, with what is missing. */
  pending: string[];
  load: LoadResult;
  clients: ClientResult[];
  nginx: { byStatus: Record<string, number>; failovers: number };
  hosts: FleetHostReport[];
  totals: { responses: number; telemetry: number; exporters: number; prometheus: number };
  operations: string[];
  /** Every SIGKILL, with when it was sent and when the process was seen gone (epoch ms). */
  kills: Kill[];
  restarts: number;
  workerKill?: { killed: number; replacement: number };
  alerts: { instanceDown?: string; fleetDownSeen: boolean };
  mismatches: string[];
}

/** A UUID client id whose dashes-free form the agent takes as the trace id. */
function traceProbe() {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

/**
 * The fleet drill: Debian's nginx (the shipped site) in front of three agent hosts on their own
 * loopback addresses, one with two workers, each with its own directory and exporter, and a
 * real Prometheus with the shipped rules. Under load through nginx it restarts every host in
 * turn, SIGKILLs a worker and a host, and drives a rate-limited client; then every layer is
 * counted per host and in total.
 */
export async function runFleetDrill({
  rounds = 1,
  tailMs = 2000,
  connections = 8,
  alertForSeconds = 5,
  shutdownDelayMs = 300,
  maxSizeBytes = 256 * 1024,
  keep = false,
  log = () => {},
  group = createProcessGroup(),
}: FleetDrillOptions = {}): Promise<FleetReport> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'eventkit-fleet-'));
  const stops: Array<() => Promise<unknown>> = [];
  try {
    return await drill();
  } finally {
    // nginx first, gracefully: its workers must not outlive the master.
    for (const stop of stops) await stop().catch(() => {});
    group.killAll();
    if (!keep) await rm(workDir, { recursive: true, force: true });
  }

  async function drill(): Promise<FleetReport> {
    const mismatches: string[] = [];
    const pending: string[] = [];
    const operations: string[] = [];
    const started = Date.now();
    const note = (line: string) => {
      const entry = `${((Date.now() - started) / 1000).toFixed(1)} s: ${line}`;
      operations.push(entry);
      log(`  ${entry}`);
    };
    const support = fleetSupport();
    if (!support.workers) {
      pending.push(
        'workers: the built agent has no --workers (apps/agent-server), so every host runs one process and no worker is SIGKILLed',
      );
    }
    if (!support.instance) {
      pending.push(
        'instance: the built agent has no EVENTKIT_INSTANCE (apps/agent-server), so telemetry lines are not checked for their instance',
      );
    }
    if (!support.exporterGlob) {
      pending.push(
        "exporter glob: the built exporter's --file takes no glob (apps/exporter), so each exporter follows its host's files by name",
      );
    }
    const shippedRules = await readFile(
      path.join(repoRoot(), 'deploy', 'prometheus', 'alert_rules.yml'),
      'utf8',
    );
    const fleetAlerts = shippedRules.includes('alert: EventAgentInstanceDown');
    if (!fleetAlerts) {
      pending.push(
        'fleet alerts: deploy/prometheus/alert_rules.yml has no EventAgentInstanceDown, so a host SIGKILL is not checked against the alerts',
      );
    }

    const token = randomBytes(24).toString('base64url');
    const [agentPort, exporterPort, nginxPort, prometheusPort] = [
      await portFreeOnAll(HOST_ADDRESSES),
      await portFreeOnAll(HOST_ADDRESSES),
      await freePort(),
      await freePort(),
    ];
    log(`work dir ${workDir}`);

    const hosts: AgentHost[] = [];
    let explainTitle = 'x';
    for (const [i, address] of HOST_ADDRESSES.entries()) {
      const dir = path.join(workDir, `host-${i + 1}`);
      await mkdir(path.join(dir, 'logs'), { recursive: true });
      const manifest = await writeManifest(dir, maxSizeBytes);
      explainTitle = manifest.explainTitle;
      hosts.push(
        createAgentHost({
          group,
          index: i + 1,
          address,
          port: agentPort,
          dir,
          manifestPath: manifest.manifestPath,
          telemetryFile: manifest.telemetryFile,
          workers: i === 0 && support.workers ? 2 : 1,
          env: {
            API_TOKEN: token,
            LOG_LEVEL: 'INFO',
            RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT.perMinute),
            RATE_LIMIT_BURST: String(RATE_LIMIT.burst),
            // nginx, and the edge in front of the main load, connect from 127.0.0.1.
            TRUST_PROXY: '127.0.0.1',
            SHUTDOWN_DELAY_MS: String(shutdownDelayMs),
            OTEL_TRACES_EXPORTER: 'none',
          },
        }),
      );
    }
    await Promise.all(hosts.map((host) => host.start()));
    const upstreamOf = (host: AgentHost) => `${host.address}:${host.port}`;
    log(`agents on ${hosts.map(upstreamOf).join(', ')}`);

    const exporters = new Map<AgentHost, ExporterProcess>();
    for (const host of hosts) {
      const telemetryDir = path.dirname(host.telemetryFile);
      const byName =
        host.workers > 1
          ? Array.from({ length: host.workers }, (_, k) =>
              path.join(telemetryDir, `telemetry-w${k + 1}.jsonl`),
            )
          : [host.telemetryFile];
      const [first = host.telemetryFile, ...rest] = support.exporterGlob
        ? [path.join(telemetryDir, 'telemetry*.jsonl')]
        : byName;
      exporters.set(
        host,
        await startExporter(first, {
          group,
          name: `exporter ${host.name}`,
          host: host.address,
          port: exporterPort,
          stateFile: path.join(host.dir, 'exporter-state.json'),
          pollIntervalMs: 250,
          args: [...rest.flatMap((file) => ['--file', file]), '--health-url', `${host.url}/health`],
          logFile: path.join(host.dir, 'exporter.log'),
        }),
      );
    }
    const targetOf = (host: AgentHost) => `${host.address}:${exporterPort}`;

    const rulesFile = path.join(workDir, 'alert_rules.yml');
    await writeFile(rulesFile, shortenAlertDurations(shippedRules, alertForSeconds));
    const prometheus = await startPrometheus({
      group,
      dir: path.join(workDir, 'prometheus'),
      port: prometheusPort,
      targets: hosts.map(targetOf),
      ruleFiles: [rulesFile],
    });
    const nginx = await startNginx({
      group,
      dir: path.join(workDir, 'nginx'),
      site: path.join(repoRoot(), 'deploy', 'nginx', 'event-agent.conf'),
      upstreams: hosts.map(upstreamOf),
      port: nginxPort,
    });
    stops.unshift(() => nginx.stop());
    log(`nginx ${nginx.url}, prometheus ${prometheus.url}`);

    // Trace headers pass nginx both ways.
    const probes: Record<string, number> = {};
    const probeTraces: string[] = [];
    for (const useCorrelation of [false, true]) {
      const { traceId, traceparent } = traceProbe();
      const correlation = randomUUID();
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        // A user behind the edge proxy, like the main load.
        'x-forwarded-for': '10.1.0.1',
        ...(useCorrelation ? { 'x-correlation-id': correlation } : { traceparent }),
      };
      const response = await fetch(`${nginx.url}/recommend?interests=agents&top=1`, { headers });
      await response.arrayBuffer();
      probes[response.status] = (probes[response.status] ?? 0) + 1;
      const expected = useCorrelation ? correlation.replaceAll('-', '') : traceId;
      probeTraces.push(expected);
      const echoed = useCorrelation
        ? response.headers.get('x-correlation-id') === correlation
        : response.headers.get('traceparent')?.split('-')[1] === traceId;
      if (!echoed) {
        mismatches.push(
          `nginx: the agent's answer to a request with ${useCorrelation ? 'X-Correlation-ID' : 'traceparent'} did not carry it back`,
        );
      }
    }

    // The operations, in order, while the load runs; the load stops once they are done.
    let restarts = 0;
    let workerKill: FleetReport['workerKill'];
    const kills: Kill[] = [];
    const alerts: FleetReport['alerts'] = { fleetDownSeen: false };
    const logOffset = async () => (await readFile(nginx.accessLog, 'utf8')).length;
    const awaitTraffic = async (host: AgentHost, from: number) =>
      waitFor(
        `nginx routing to ${host.name} again`,
        async () => {
          const text = (await readFile(nginx.accessLog, 'utf8')).slice(from);
          const served = text.split('\n').some((line) => {
            if (line === '') return false;
            const final = attempts(JSON.parse(line)).at(-1);
            return final?.upstream === upstreamOf(host) && Number(final.status) < 500;
          });
          return served ? true : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
    // The SIGKILLs come first, on processes that have been serving the load for a while.
    let loadResponses = 0;
    const operationsDone = (async () => {
      await waitFor(
        'load flowing through nginx',
        async () => (loadResponses > 0 ? true : undefined),
        {
          timeoutMs: 30_000,
        },
      );
      await sleep(1000);
      const multi = hosts.find((host) => host.workers > 1);
      if (multi) {
        const before = await multi.workerPids();
        const victim = before[0];
        if (victim === undefined) throw new Error(`${multi.name}: no worker process found`);
        note(`kill -9 worker ${victim} of ${multi.name}`);
        const at = Date.now();
        process.kill(victim, 'SIGKILL');
        await waitFor(`worker ${victim} gone`, async () => (isAlive(victim) ? undefined : true), {
          intervalMs: 5,
        });
        kills.push({
          upstream: upstreamOf(multi),
          what: `worker ${victim}`,
          at,
          goneAt: Date.now(),
        });
        const replacement = await waitFor(
          `${multi.name} replaced worker ${victim}`,
          async () => {
            const now = await multi.workerPids();
            const added = now.find((pid) => !before.includes(pid));
            return now.length === multi.workers && added !== undefined ? added : undefined;
          },
          { child: multi.child, timeoutMs: 15_000 },
        );
        workerKill = { killed: victim, replacement };
        note(`${multi.name} replaced it with worker ${replacement}`);
      }
      const victimHost = hosts[hosts.length - 1] as AgentHost;
      note(`kill -9 ${victimHost.name}`);
      const at = Date.now();
      victimHost.child?.process.kill('SIGKILL');
      await victimHost.child?.exited;
      kills.push({
        upstream: upstreamOf(victimHost),
        what: victimHost.name,
        at,
        goneAt: Date.now(),
      });
      if (fleetAlerts) {
        const fired = await waitFor(
          'EventAgentInstanceDown firing',
          async () => {
            const now = await prometheus.alerts();
            if (now.some((alert) => alert.labels.alertname === 'EventAgentDown')) {
              alerts.fleetDownSeen = true;
            }
            return now.find(
              (alert) =>
                alert.labels.alertname === 'EventAgentInstanceDown' && alert.state === 'firing',
            );
          },
          { timeoutMs: alertForSeconds * 1000 + 30_000, intervalMs: 250 },
        );
        alerts.instanceDown = fired.labels.instance;
        note(`EventAgentInstanceDown firing for ${fired.labels.instance}`);
      }
      const from = await logOffset();
      await victimHost.start();
      restarts++;
      await awaitTraffic(victimHost, from);
      note(`${victimHost.name} serving again`);
      for (let round = 1; round <= rounds; round++) {
        for (const host of hosts) {
          note(`rolling restart ${round}/${rounds}: SIGTERM ${host.name}`);
          const code = await host.stop('SIGTERM');
          if (code !== 0) mismatches.push(`${host.name} exited ${code} on SIGTERM, expected 0`);
          const from = await logOffset();
          await host.start();
          restarts++;
          await awaitTraffic(host, from);
          note(`${host.name} serving again`);
        }
      }
      await sleep(tailMs);
    })();
    const done = operationsDone.catch((error: Error) => {
      mismatches.push(`operations: ${error.message}`);
    });

    const kinds = requestMix(token, explainTitle);
    log(`load through nginx: ${connections} connections, until the operations are done`);
    const [load, ...clients] = await Promise.all([
      runLoad({
        url: nginx.url,
        kinds,
        connections,
        durationMs: 300_000 * rounds,
        until: done,
        // Users behind a trusted edge proxy: request i of the cycle comes from user i mod USERS,
        // so each sends one request in USERS, far below its limit.
        repeat: USERS / 2,
        headersFor: (_kind, position) => {
          const user = position % USERS;
          return { 'x-forwarded-for': `10.0.${user >> 8}.${user & 255}` };
        },
        onTick: (responses, ms) => {
          loadResponses = responses;
          if (Math.round(ms / 1000) % 5 === 0)
            log(`  ${(ms / 1000).toFixed(0)} s: ${responses} responses`);
        },
      }),
      runClient({
        name: 'noisy',
        localAddress: NOISY_CLIENT,
        url: nginx.url,
        path: NOISY_PATH,
        // A forged header from an untrusted client changes nothing.
        headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': FORGED_BY_NOISY },
        concurrency: 2,
        until: done,
      }),
      ...POLITE_CLIENTS.map((localAddress, i) =>
        runClient({
          name: `polite-${i + 1}`,
          localAddress,
          url: nginx.url,
          path: POLITE_PATH,
          headers: { authorization: `Bearer ${token}` },
          pauseMs: 500,
          until: done,
        }),
      ),
    ]);
    await done;
    const operationsEndedAt = Date.now();

    // What the clients saw.
    for (const kind of kinds) {
      for (const [status, count] of Object.entries(load.byKind[kind.name] ?? {})) {
        if (Number(status) !== kind.status) {
          mismatches.push(
            `load: ${kind.name} answered ${status} ${count}×, expected ${kind.status}`,
          );
        }
      }
    }
    if (load.errors > 0) mismatches.push(`load: ${load.errors} requests without a response`);
    const [noisy, ...polite] = clients as [ClientResult, ...ClientResult[]];
    if (!(noisy.byStatus['429'] ?? 0)) mismatches.push('rate limit: the noisy client got no 429');
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
    if (polite.some((client) => client.responses === 0))
      mismatches.push('a polite client got no answer');

    // Stop the agents; nginx has logged every answer.
    for (const host of hosts) {
      const code = await host.stop('SIGTERM');
      if (code !== 0)
        mismatches.push(`${host.name} exited ${code} on the final SIGTERM, expected 0`);
    }
    const nginxExit = await nginx.stop();
    if (nginxExit !== 0) mismatches.push(`nginx exited ${nginxExit}`);
    const clientsLogged = await clientsInLogs(hosts.map((host) => path.join(host.dir, 'logs')));
    if (!clientsLogged.has(NOISY_CLIENT)) {
      mismatches.push(`agent logs: no request from the noisy client ${NOISY_CLIENT}`);
    }
    if (![...clientsLogged.keys()].some((client) => client.startsWith('10.0.'))) {
      mismatches.push('agent logs: no request from a user the edge proxy relayed (10.0.x.y)');
    }
    for (const wrong of [FORGED_BY_NOISY, '127.0.0.1']) {
      if (clientsLogged.has(wrong)) {
        mismatches.push(
          `agent logs: ${clientsLogged.get(wrong)} requests logged as from ${wrong}, which is never the client`,
        );
      }
    }
    const accessLog = await readAccessLog(nginx.accessLog);

    // Responses by status: clients = nginx.
    const sent: Record<string, number> = {};
    const add = (byStatus: Record<string, number>) => {
      for (const [status, count] of Object.entries(byStatus))
        sent[status] = (sent[status] ?? 0) + count;
    };
    add(load.byStatus);
    for (const client of clients) add(client.byStatus);
    add(probes);
    const logged = statusesInLog(accessLog);
    for (const status of new Set([...Object.keys(sent), ...Object.keys(logged)])) {
      if ((sent[status] ?? 0) !== (logged[status] ?? 0)) {
        mismatches.push(
          `nginx logged ${logged[status] ?? 0}× ${status}, the clients saw ${sent[status] ?? 0}`,
        );
      }
    }
    const failovers = accessLog.filter((line) => attempts(line).length > 1).length;

    // Per host: nginx's answers = telemetry (less the SIGKILL bound) = exporter = Prometheus.
    const lookup = actionLookup(kinds, {
      [NOISY_PATH]: 'recommend',
      [POLITE_PATH]: 'recommend',
      '/recommend?interests=agents&top=1': 'recommend',
    });
    const expected = expectedByHost(accessLog, lookup, mismatches);
    const unanswered = unansweredByHost(accessLog);
    const hostReports: FleetHostReport[] = [];
    const fleetTelemetry: ActionCounts = {};
    for (const host of hosts) {
      const upstream = upstreamOf(host);
      const files = await hostTelemetryFiles(host.telemetryFile);
      const hostMismatches: string[] = [];
      const census = await telemetryCensus(files);
      if (census.malformed > 0) {
        hostMismatches.push(
          `telemetry: ${census.malformed} malformed lines: ${census.firstMalformed.join('; ')}`,
        );
      }
      if (census.duplicateTraceIds > 0)
        hostMismatches.push(`telemetry: ${census.duplicateTraceIds} duplicated trace_ids`);
      const hostKills = kills.filter((kill) => kill.upstream === upstream);
      const lossBound =
        hostKills.length > 0
          ? hostKills.reduce(
              (sum, kill) => sum + answeredJustBefore(accessLog, kill, AGENT_FLUSH_INTERVAL_MS),
              0,
            )
          : undefined;
      const { answered, lost } = compareHost(
        hostMismatches,
        host.name,
        expected.get(upstream) ?? {},
        census,
        lossBound,
        unanswered.get(upstream) ?? 0,
      );
      if (support.instance) checkInstances(hostMismatches, host.name, census.byInstance);
      for (const [action, entry] of Object.entries(census.byAction)) {
        tally(fleetTelemetry, action, entry.count, entry.failures);
      }
      const exporter = exporters.get(host) as ExporterProcess;
      const exporterFigures = await checkExporter(
        exporter.url,
        exporter.child,
        census,
        hostMismatches,
      );
      mismatches.push(...hostMismatches.map((m) => `${host.name}: ${m}`));
      hostReports.push({
        name: host.name,
        upstream,
        workers: host.workers,
        answered,
        telemetry: { files: files.length, lines: census.events, byInstance: census.byInstance },
        lost,
        ...(lossBound === undefined ? {} : { lossBound }),
        exporterRequests: Object.values(exporterFigures.requests).reduce((a, b) => a + b, 0),
        prometheusRequests: Number.NaN,
        exits: host.exits,
      });
    }
    if (probeTraces.length > 0) {
      // The probes' trace ids reached telemetry (the agent took them from the headers).
      const seen = new Set<string>();
      for (const host of hosts) {
        for (const id of (await telemetryCensus(await hostTelemetryFiles(host.telemetryFile)))
          .traceIds) {
          if (probeTraces.includes(id)) seen.add(id);
        }
      }
      if (seen.size !== probeTraces.length) {
        mismatches.push(
          `telemetry: ${probeTraces.length - seen.size} of the trace ids sent through nginx are missing`,
        );
      }
    }

    // Prometheus: per instance (the exporter's target) and the fleet sums.
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
          return hostReports.every(
            (h, i) => now[targetOf(hosts[i] as AgentHost)] === h.exporterRequests,
          )
            ? now
            : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 500 },
      );
    } catch (error) {
      mismatches.push(`prometheus: ${(error as Error).message}`);
      scraped = await perInstance().catch(() => ({}));
    }
    hostReports.forEach((report, i) => {
      report.prometheusRequests = scraped[targetOf(hosts[i] as AgentHost)] ?? Number.NaN;
    });
    const fleetByAction = Object.fromEntries(
      (await prometheus.query('sum by (action) (event_agent_requests_total)')).map((s) => [
        s.labels.action ?? '',
        { count: s.value },
      ]),
    );
    compareCounts(mismatches, 'prometheus fleet sums', fleetTelemetry, fleetByAction, {
      failures: false,
    });
    const fleetTotal =
      (await prometheus.query('sum(event_agent_requests_total)'))[0]?.value ?? Number.NaN;
    const telemetryTotal = hostReports.reduce((sum, h) => sum + h.telemetry.lines, 0);
    if (fleetTotal !== telemetryTotal) {
      mismatches.push(
        `prometheus: sum(event_agent_requests_total) ${fleetTotal}, telemetry ${telemetryTotal}`,
      );
    }
    const resets =
      (await prometheus.query('sum(resets(event_agent_requests_total[1h]))'))[0]?.value ?? 0;
    if (resets !== 0) mismatches.push(`prometheus: event_agent_requests_total reset ${resets}×`);
    const rules = await prometheus.rules();
    if (rules.unhealthy.length > 0)
      mismatches.push(`prometheus rules failing: ${rules.unhealthy.join('; ')}`);
    if (fleetAlerts) {
      const victim = targetOf(hosts[hosts.length - 1] as AgentHost);
      if (alerts.instanceDown !== victim) {
        mismatches.push(
          `EventAgentInstanceDown fired for ${alerts.instanceDown ?? 'nothing'}, expected ${victim}`,
        );
      }
      // Until the operations ended: the final stop of every agent rightly makes it pending.
      const range = Math.ceil((operationsEndedAt - started) / 1000);
      const down = await prometheus.query(
        `count_over_time(ALERTS{alertname="EventAgentDown"}[${range}s] @ ${operationsEndedAt / 1000})`,
      );
      if (alerts.fleetDownSeen || down.length > 0) {
        mismatches.push('EventAgentDown was pending or firing with one host of three down');
      }
    }

    for (const [host, exporter] of exporters) {
      const code = await exporter.stop('SIGTERM');
      if (code !== 0)
        mismatches.push(`exporter ${host.name} exited ${code} on SIGTERM, expected 0`);
    }
    await stopChild(prometheus.child, 'SIGTERM');

    return {
      workDir,
      support,
      pending,
      load,
      clients,
      nginx: { byStatus: logged, failovers },
      hosts: hostReports,
      totals: {
        responses: Object.values(sent).reduce((a, b) => a + b, 0),
        telemetry: telemetryTotal,
        exporters: hostReports.reduce((sum, h) => sum + h.exporterRequests, 0),
        prometheus: fleetTotal,
      },
      operations,
      kills,
      restarts,
      ...(workerKill ? { workerKill } : {}),
      alerts,
      mismatches,
    };
  }
}

/** `Request started: <action> from <client>` lines per client, across every log in `dirs`. */
async function clientsInLogs(dirs: string[]): Promise<Map<string, number>> {
  const clients = new Map<string, number>();
  for (const dir of dirs) {
    for (const name of await readdir(dir)) {
      const text = await readFile(path.join(dir, name), 'utf8');
      for (const match of text.matchAll(/ Request started: \S+ from (\S+)/g)) {
        const client = match[1] ?? '';
        clients.set(client, (clients.get(client) ?? 0) + 1);
      }
    }
  }
  return clients;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
