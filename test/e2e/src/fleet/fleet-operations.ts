import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { waitFor } from '../processes.js';
import type { Kill } from './fleet-checks.js';
import type { Fleet } from './fleet-setup.js';
import type { AgentHost } from './hosts.js';
import { attempts } from './nginx.js';

/** Where the operations report to: a timeline line, a SIGKILL, a mismatch. */
export interface OperationLog {
  note(line: string): void;
  kills: Kill[];
  mismatches: string[];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once nginx's log shows `host` answering a request logged after `from` (bytes). */
function awaitTraffic(fleet: Fleet, host: AgentHost, from: number) {
  return waitFor(
    `nginx routing to ${host.name} again`,
    async () => {
      const text = (await readFile(fleet.nginx.accessLog, 'utf8')).slice(from);
      const served = text.split('\n').some((line) => {
        if (line === '') return false;
        const final = attempts(JSON.parse(line)).at(-1);
        return final?.upstream === fleet.upstreamOf(host) && Number(final.status) < 500;
      });
      return served ? true : undefined;
    },
    // nginx sends a host that failed nothing for the site's fail_timeout.
    { timeoutMs: 30_000, intervalMs: 100 },
  );
}

/**
 * Starts `host` again and waits until nginx routes to it: what an operator waits for before
 * restarting the next host.
 */
export async function startAgain(fleet: Fleet, host: AgentHost, log: OperationLog) {
  const from = (await readFile(fleet.nginx.accessLog, 'utf8')).length;
  await host.start();
  await awaitTraffic(fleet, host, from);
  log.note(`${host.name} serving again`);
}

/** SIGTERM, exit 0 expected, then start again. */
export async function restartHost(fleet: Fleet, host: AgentHost, log: OperationLog) {
  const code = await host.stop('SIGTERM');
  if (code !== 0) log.mismatches.push(`${host.name} exited ${code} on SIGTERM, expected 0`);
  await startAgain(fleet, host, log);
}

/** SIGKILLs the first worker of `host`; resolves with the worker its primary started instead. */
export async function killWorker(fleet: Fleet, host: AgentHost, log: OperationLog) {
  const before = await host.workerPids();
  const victim = before[0];
  if (victim === undefined) throw new Error(`${host.name}: no worker process found`);
  log.note(`kill -9 worker ${victim} of ${host.name}`);
  const at = Date.now();
  process.kill(victim, 'SIGKILL');
  await waitFor(`worker ${victim} gone`, async () => (isAlive(victim) ? undefined : true), {
    intervalMs: 5,
  });
  log.kills.push({
    upstream: fleet.upstreamOf(host),
    what: `worker ${victim}`,
    at,
    goneAt: Date.now(),
  });
  const replacement = await waitFor(
    `${host.name} replaced worker ${victim}`,
    async () => {
      const now = await host.workerPids();
      const added = now.find((pid) => !before.includes(pid));
      return now.length === host.workers && added !== undefined ? added : undefined;
    },
    { child: host.child, timeoutMs: 15_000 },
  );
  log.note(`${host.name} replaced it with worker ${replacement}`);
  return { killed: victim, replacement };
}

/** SIGKILLs the whole `host` (its primary, or its only process); resolves with the kill. */
export async function killHost(fleet: Fleet, host: AgentHost, log: OperationLog): Promise<Kill> {
  log.note(`kill -9 ${host.name}`);
  const at = Date.now();
  host.child?.process.kill('SIGKILL');
  await host.child?.exited;
  const kill: Kill = { upstream: fleet.upstreamOf(host), what: host.name, at, goneAt: Date.now() };
  log.kills.push(kill);
  return kill;
}

/**
 * Waits until Prometheus fires EventAgentInstanceDown; resolves with its `instance` and whether
 * EventAgentDown was ever listed (pending or firing) meanwhile.
 */
export async function awaitInstanceDown(fleet: Fleet, timeoutMs: number, log: OperationLog) {
  let fleetDownSeen = false;
  const fired = await waitFor(
    'EventAgentInstanceDown firing',
    async () => {
      const now = await fleet.prometheus.alerts();
      if (now.some((alert) => alert.labels.alertname === 'EventAgentDown')) fleetDownSeen = true;
      return now.find(
        (alert) => alert.labels.alertname === 'EventAgentInstanceDown' && alert.state === 'firing',
      );
    },
    { timeoutMs, intervalMs: 250 },
  );
  log.note(`EventAgentInstanceDown firing for ${fired.labels.instance}`);
  return { instance: fired.labels.instance, fleetDownSeen };
}

/**
 * Two requests through nginx, one with `traceparent` and one with a UUID `X-Correlation-ID`: the
 * answer must carry each back. Resolves with their statuses and the trace ids telemetry must hold.
 */
export async function probeTraceHeaders(fleet: Fleet, path: string, mismatches: string[]) {
  const byStatus: Record<string, number> = {};
  const traceIds: string[] = [];
  for (const header of ['traceparent', 'X-Correlation-ID'] as const) {
    const traceId = randomBytes(16).toString('hex');
    const correlation = randomUUID();
    const sent =
      header === 'traceparent' ? `00-${traceId}-${randomBytes(8).toString('hex')}-01` : correlation;
    const response = await fetch(`${fleet.nginx.url}${path}`, {
      headers: {
        authorization: `Bearer ${fleet.token}`,
        // A user behind the edge proxy, like the main load.
        'x-forwarded-for': '10.1.0.1',
        [header]: sent,
      },
    });
    await response.arrayBuffer();
    byStatus[response.status] = (byStatus[response.status] ?? 0) + 1;
    // A UUID correlation id, without its dashes, is the trace id.
    traceIds.push(header === 'traceparent' ? traceId : correlation.replaceAll('-', ''));
    const echoed =
      header === 'traceparent'
        ? response.headers.get('traceparent')?.split('-')[1] === traceId
        : response.headers.get('x-correlation-id') === correlation;
    if (!echoed) {
      mismatches.push(`nginx: the answer to a request with ${header} did not carry it back`);
    }
  }
  return { byStatus, traceIds };
}
