import { instanceTelemetryFiles, listRotatedFiles } from '@eventkit/core/telemetry';
import { type ActionCounts, type TelemetryCensus, tally } from '../census.js';
import { compareCounts, type Mismatches } from '../drill-checks.js';
import type { RequestKind } from '../load.js';
import { type AccessLogLine, attempts } from './nginx.js';

/** Routes the agent neither records nor rate limits: the proxy's and the drill's probes. */
const HEALTH_ROUTES = new Set(['/health', '/livez', '/readyz']);

/**
 * Whether an attempt's status came from the agent. nginx logs 502 for a connection it could not
 * use and 504 for a timeout; the drill's agents (no Graph source) never answer either themselves.
 */
const answered = (status: number) => Number.isFinite(status) && status !== 502 && status !== 504;

const pathOf = (line: AccessLogLine) => line.request.split(' ')[1] ?? '';

/** Whether an access-log line is a request the agent records (not a health probe). */
export function isRecorded(line: AccessLogLine): boolean {
  return !HEALTH_ROUTES.has(pathOf(line).split('?')[0] ?? '');
}

/**
 * The telemetry each host must hold, from nginx's access log: for every recorded request, the
 * action of its kind (by path; 429 is `rate_limited`) under each agent that answered it: the
 * last one tried, and an earlier one that answered itself (a 503, which nginx retries).
 */
export function expectedByHost(
  lines: AccessLogLine[],
  actionOfPath: (path: string) => string | undefined,
  mismatches: Mismatches,
): Map<string, ActionCounts> {
  const byHost = new Map<string, ActionCounts>();
  const unknownPaths = new Set<string>();
  for (const line of lines) {
    if (!isRecorded(line)) continue;
    const path = pathOf(line);
    for (const attempt of attempts(line)) {
      const status = Number(attempt.status);
      if (!answered(status)) continue;
      const action = status === 429 ? 'rate_limited' : actionOfPath(path);
      if (action === undefined) {
        unknownPaths.add(path);
        continue;
      }
      const counts = byHost.get(attempt.upstream) ?? {};
      const ok = status >= 200 && status < 300;
      tally(counts, action, 1, ok ? 0 : 1);
      byHost.set(attempt.upstream, counts);
    }
  }
  if (unknownPaths.size > 0) {
    mismatches.push(`nginx: requests the drill never sent: ${[...unknownPaths].join(', ')}`);
  }
  return byHost;
}

/**
 * Attempts nginx made on each agent that got no answer (502, 504: refused, reset or timed out).
 * An agent SIGKILLed mid-request may have recorded such a request before dying, while nginx
 * had it answered by another agent or gave up.
 */
export function unansweredByHost(lines: AccessLogLine[]): Map<string, number> {
  const byHost = new Map<string, number>();
  for (const line of lines) {
    if (!isRecorded(line)) continue;
    for (const attempt of attempts(line)) {
      if (!answered(Number(attempt.status))) {
        byHost.set(attempt.upstream, (byHost.get(attempt.upstream) ?? 0) + 1);
      }
    }
  }
  return byHost;
}

/** Responses by status in the access log (recorded routes only). */
export function statusesInLog(lines: AccessLogLine[]): Record<string, number> {
  const byStatus: Record<string, number> = {};
  for (const line of lines) {
    if (isRecorded(line)) byStatus[line.status] = (byStatus[line.status] ?? 0) + 1;
  }
  return byStatus;
}

/** A path → action lookup for the main mix and the direct clients' paths. */
export function actionLookup(kinds: RequestKind[], extra: Record<string, string>) {
  const byPath = new Map(kinds.map((kind) => [kind.path, kind.action]));
  for (const [path, action] of Object.entries(extra)) byPath.set(path, action);
  return (path: string) => byPath.get(path);
}

/** Every telemetry file of one host: each instance's archives (oldest first), then its live file. */
export async function hostTelemetryFiles(telemetryFile: string): Promise<string[]> {
  const files: string[] = [];
  for (const live of await instanceTelemetryFiles(telemetryFile)) {
    files.push(...(await listRotatedFiles(live)), live);
  }
  return files;
}

/** A SIGKILL the drill sent, and what the killed process may have lost with it. */
export interface Kill {
  /** `host:port` of the agent. */
  upstream: string;
  what: string;
  /** Epoch ms when the signal was sent and when the drill saw the process gone. */
  at: number;
  goneAt: number;
  /**
   * For a whole host, when it was started again: until then nothing else answers as that
   * host, so whatever nginx logs for it meanwhile, however late, the killed process answered.
   */
  restartedAt?: number;
}

/**
 * Responses of `upstream` that nginx logged from a flush interval before `kill` until the
 * process was seen gone (or, for a whole host, until it was started again): the most a
 * SIGKILLed writer can have held unwritten, since it writes its buffer every flush interval.
 * Counts every process of the host, so it bounds the killed one's.
 */
export function answeredJustBefore(
  lines: AccessLogLine[],
  kill: Kill,
  flushIntervalMs: number,
): number {
  const until = kill.restartedAt ?? kill.goneAt;
  let answered = 0;
  for (const line of lines) {
    if (!isRecorded(line)) continue;
    const ms = line.msec * 1000;
    if (ms < kill.at - flushIntervalMs || ms > until) continue;
    const final = attempts(line).at(-1);
    if (final?.upstream === kill.upstream) answered++;
  }
  return answered;
}

/**
 * One host's telemetry against what nginx says it answered: exact, or, after a SIGKILL on it, no
 * fewer lines than answered − `lossBound` and no more than answered + `unanswered` (requests
 * it may have recorded just before dying, which nginx then had answered elsewhere).
 */
export function compareHost(
  mismatches: Mismatches,
  host: string,
  expected: ActionCounts,
  census: TelemetryCensus,
  lossBound: number | undefined,
  unanswered = 0,
) {
  const answered = Object.values(expected).reduce((sum, entry) => sum + entry.count, 0);
  if (lossBound === undefined) {
    compareCounts(mismatches, `${host} telemetry`, expected, census.byAction);
    return { answered, lost: 0 };
  }
  const lost = answered - census.events;
  for (const action of Object.keys(census.byAction)) {
    if (!expected[action]) mismatches.push(`${host} telemetry: ${action} lines nginx never saw`);
  }
  if (lost > lossBound) {
    mismatches.push(
      `${host} telemetry: ${census.events} lines for ${answered} answers; a SIGKILL may lose at most ${lossBound} (answered in the last flush interval)`,
    );
  }
  if (-lost > unanswered) {
    mismatches.push(
      `${host} telemetry: ${census.events} lines for ${answered} answers and ${unanswered} attempts without an answer`,
    );
  }
  return { answered, lost };
}

/** Every line of a host carries its instance: `host-k`, or `host-k-w<j>` for worker j. */
export function checkInstances(
  mismatches: Mismatches,
  host: string,
  byInstance: Record<string, number>,
) {
  for (const [instance, lines] of Object.entries(byInstance)) {
    if (instance !== host && !new RegExp(`^${host}-w\\d+$`).test(instance)) {
      mismatches.push(`${host} telemetry: ${lines} lines with instance "${instance}"`);
    }
  }
}
