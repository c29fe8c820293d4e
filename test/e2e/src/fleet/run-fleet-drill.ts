import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../bins.js';
import { type LoadResult, requestMix, runLoad } from '../load.js';
import { createProcessGroup, type ProcessGroup, sleep, stopChild, waitFor } from '../processes.js';
import { type ClientResult, runClient } from './clients.js';
import { actionLookup, type Kill } from './fleet-checks.js';
import {
  awaitInstanceDown,
  killHost,
  killWorker,
  type OperationLog,
  probeTraceHeaders,
  restartHost,
  startAgain,
} from './fleet-operations.js';
import { type Fleet, startFleet } from './fleet-setup.js';
import {
  checkClientLogs,
  checkClients,
  checkFleetAlerts,
  checkStatuses,
  type FleetHostReport,
  verifyHosts,
  verifyPrometheus,
} from './fleet-verify.js';
import { readAccessLog } from './nginx.js';

export type { FleetHostReport } from './fleet-verify.js';

/** The direct clients' addresses: one over its rate limit, the others polite. */
const NOISY_CLIENT = '127.0.0.5';
const POLITE_CLIENTS = ['127.0.0.6', '127.0.0.7', '127.0.0.8', '127.0.0.9'];
/** What the noisy client claims to be: its own X-Forwarded-For, which nobody trusts. */
const FORGED_BY_NOISY = '203.0.113.7';
const NOISY_PATH = '/recommend?interests=agents&top=2&client=noisy';
const POLITE_PATH = '/recommend?interests=observability&top=2&client=polite';
const PROBE_PATH = '/recommend?interests=agents&top=1';
/**
 * Users behind the edge proxy (127.0.0.1, trusted like nginx) that sends the main load: request
 * i of autocannon's cycle comes from user i mod USERS, so each sends one request in USERS.
 */
const USERS = 1024;

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

export interface FleetReport {
  workDir: string;
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

/**
 * The fleet drill: Debian's nginx (the shipped site) in front of three agent hosts on their own
 * loopback addresses, one with two workers, each with its own directory and exporter, and a
 * real Prometheus with the shipped rules. Under load through nginx it SIGKILLs a worker and a
 * host, restarts every host in turn and drives a client over its rate limit; then every layer is
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
  let fleet: Fleet | undefined;
  try {
    return await drill();
  } finally {
    // nginx first, gracefully: its workers must not outlive the master.
    await fleet?.nginx.stop().catch(() => {});
    group.killAll();
    if (!keep) await rm(workDir, { recursive: true, force: true });
  }

  async function drill(): Promise<FleetReport> {
    const started = Date.now();
    const operations: string[] = [];
    const oplog: OperationLog = {
      kills: [],
      mismatches: [],
      note(line) {
        const entry = `${((Date.now() - started) / 1000).toFixed(1)} s: ${line}`;
        operations.push(entry);
        log(`  ${entry}`);
      },
    };
    const { mismatches, kills } = oplog;
    const rules = await readFile(
      path.join(repoRoot(), 'deploy', 'prometheus', 'alert_rules.yml'),
      'utf8',
    );
    fleet = await startFleet({
      group,
      workDir,
      rules,
      alertForSeconds,
      shutdownDelayMs,
      maxSizeBytes,
      log,
    });
    const { hosts, nginx } = fleet;
    const probes = await probeTraceHeaders(fleet, PROBE_PATH, mismatches);

    // The operations, in order, while the load runs; the load stops once they are done. The
    // SIGKILLs come first, on processes that have been serving the load for a while (one just
    // restarted may not have written its first lines yet).
    let loadResponses = 0;
    let restarts = 0;
    let workerKill: FleetReport['workerKill'];
    const alerts: FleetReport['alerts'] = { fleetDownSeen: false };
    const operationsDone = (async (current: Fleet) => {
      await waitFor('load through nginx', async () => (loadResponses > 0 ? true : undefined), {
        timeoutMs: 30_000,
      });
      await sleep(1000);
      const multi = hosts.find((host) => host.workers > 1);
      if (multi) workerKill = await killWorker(current, multi, oplog);
      const victim = hosts[hosts.length - 1];
      if (victim) {
        const kill = await killHost(current, victim, oplog);
        const fired = await awaitInstanceDown(current, alertForSeconds * 1000 + 30_000, oplog);
        alerts.instanceDown = fired.instance;
        alerts.fleetDownSeen = fired.fleetDownSeen;
        kill.restartedAt = Date.now();
        await startAgain(current, victim, oplog);
        restarts++;
      }
      for (let round = 1; round <= rounds; round++) {
        for (const host of hosts) {
          oplog.note(`rolling restart ${round}/${rounds}: SIGTERM ${host.name}`);
          await restartHost(current, host, oplog);
          restarts++;
        }
      }
      await sleep(tailMs);
    })(fleet);
    const done = operationsDone.catch((error: Error) => {
      mismatches.push(`operations: ${error.message}`);
    });

    const kinds = requestMix(fleet.token, fleet.explainTitle);
    const auth = { authorization: `Bearer ${fleet.token}` };
    log(`load through nginx: ${connections} connections, until the operations are done`);
    const [load, ...clients] = await Promise.all([
      runLoad({
        url: nginx.url,
        kinds,
        connections,
        durationMs: 300_000 * rounds,
        until: done,
        // The mix has an even number of kinds, so a cycle holds each user the same number of times.
        repeat: USERS / 2,
        headersFor: (_kind, position) => {
          const user = position % USERS;
          return { 'x-forwarded-for': `10.0.${user >> 8}.${user & 255}` };
        },
        onTick: (responses, ms) => {
          loadResponses = responses;
          if (Math.round(ms / 1000) % 5 === 0) {
            log(`  ${(ms / 1000).toFixed(0)} s: ${responses} responses`);
          }
        },
      }),
      runClient({
        name: 'noisy',
        localAddress: NOISY_CLIENT,
        url: nginx.url,
        path: NOISY_PATH,
        // A forged header from an untrusted client changes nothing.
        headers: { ...auth, 'x-forwarded-for': FORGED_BY_NOISY },
        concurrency: 2,
        until: done,
      }),
      ...POLITE_CLIENTS.map((localAddress, i) =>
        runClient({
          name: `polite-${i + 1}`,
          localAddress,
          url: nginx.url,
          path: POLITE_PATH,
          headers: auth,
          pauseMs: 500,
          until: done,
        }),
      ),
    ]);
    await done;
    const operationsEnded = Date.now();
    checkClients(kinds, load, clients, mismatches);

    // Stop the agents; nginx has logged every answer.
    for (const host of hosts) {
      const code = await host.stop('SIGTERM');
      if (code !== 0) {
        mismatches.push(`${host.name} exited ${code} on the final SIGTERM, expected 0`);
      }
    }
    const nginxExit = await nginx.stop();
    if (nginxExit !== 0) mismatches.push(`nginx exited ${nginxExit}`);
    await checkClientLogs(fleet, NOISY_CLIENT, [FORGED_BY_NOISY, '127.0.0.1'], mismatches);
    const accessLog = await readAccessLog(nginx.accessLog);
    const statuses = checkStatuses(
      [load.byStatus, ...clients.map((client) => client.byStatus), probes.byStatus],
      accessLog,
      mismatches,
    );

    // Per host and in total: nginx = telemetry (less the SIGKILL bound) = exporter = Prometheus.
    const lookup = actionLookup(kinds, {
      [NOISY_PATH]: 'recommend',
      [POLITE_PATH]: 'recommend',
      [PROBE_PATH]: 'recommend',
    });
    const verified = await verifyHosts(
      fleet,
      accessLog,
      lookup,
      kills,
      probes.traceIds,
      mismatches,
    );
    const prometheusTotal = await verifyPrometheus(
      fleet,
      verified.hosts,
      verified.fleetTelemetry,
      mismatches,
    );
    const victim = hosts[hosts.length - 1];
    if (victim) {
      await checkFleetAlerts(
        fleet,
        alerts,
        fleet.targetOf(victim),
        { from: started, until: operationsEnded },
        mismatches,
      );
    }

    for (const [host, exporter] of fleet.exporters) {
      const code = await exporter.stop('SIGTERM');
      if (code !== 0) {
        mismatches.push(`exporter ${host.name} exited ${code} on SIGTERM, expected 0`);
      }
    }
    await stopChild(fleet.prometheus.child, 'SIGTERM');

    return {
      workDir,
      load,
      clients,
      nginx: { byStatus: statuses.logged, failovers: statuses.failovers },
      hosts: verified.hosts,
      totals: {
        responses: statuses.responses,
        telemetry: verified.hosts.reduce((sum, h) => sum + h.telemetry.lines, 0),
        exporters: verified.hosts.reduce((sum, h) => sum + h.exporterRequests, 0),
        prometheus: prometheusTotal,
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
