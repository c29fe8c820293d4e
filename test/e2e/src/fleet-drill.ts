#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { positiveFlag } from './drill-args.js';
import { formatFleetReport } from './fleet/fleet-report.js';
import { runFleetDrill } from './fleet/run-fleet-drill.js';
import { createProcessGroup } from './processes.js';

const HELP = `Usage: eventkit-fleet-drill [--rounds <n>] [--tail <s>] [--connections <n>] [--alert-for <s>] [--keep] [--json]

The Event Kit fleet drill: Debian's nginx (deploy/nginx/event-agent.conf) in front of three agent
hosts on 127.0.0.2-4 (the first with --workers 2), an exporter per host and the real Prometheus
with the shipped rules. Under load through nginx it kills a worker and a host with SIGKILL
(EventAgentInstanceDown must fire, EventAgentDown must not), restarts every host in turn
(SIGTERM) and drives one client over its rate limit; then it checks that nginx, telemetry, the
exporters and Prometheus agree per host and in total.
Exit 0 with no mismatch, 1 on any mismatch, 2 on a usage error.

Options:
  --rounds <n>        rolling restarts of the whole fleet (default 1, as in CI; by hand try 5)
  --tail <s>          seconds of load after the last operation (default 2; by hand try 60)
  --connections <n>   autocannon connections of the main load (default 8)
  --alert-for <s>     for: of EventAgentDown and EventAgentInstanceDown in the drill's copy of
                      the rules (default 5; shipped: 3m)
  --max-size <bytes>  every agent's telemetry.maxSizeBytes (default 2097152; CI: 262144)
  --keep              keep the temp directory (telemetry, logs, nginx's access log, Prometheus)
  --json              print the report as JSON
`;

const positive = (raw: string | undefined, name: string, fallback: number): number =>
  positiveFlag('eventkit-fleet-drill', raw, name, fallback);

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    options: {
      rounds: { type: 'string' },
      tail: { type: 'string' },
      connections: { type: 'string' },
      'alert-for': { type: 'string' },
      'max-size': { type: 'string' },
      keep: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  process.stderr.write(`eventkit-fleet-drill: ${(error as Error).message}\n${HELP}`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const group = createProcessGroup();
process.on('exit', () => group.killAll());
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    group.killAll();
    process.stderr.write(`eventkit-fleet-drill: ${signal}, children stopped\n`);
    process.exit(130);
  });
}

const rounds = Math.round(positive(values.rounds as string | undefined, '--rounds', 1));
const tailMs = positive(values.tail as string | undefined, '--tail', 2) * 1000;
const alertForSeconds = positive(values['alert-for'] as string | undefined, '--alert-for', 5);
// A hard bound: each restart waits at most for nginx's fail_timeout, the alert for its for:.
const watchdog = setTimeout(
  () => {
    process.stderr.write('eventkit-fleet-drill: did not finish in time; stopping everything\n');
    group.killAll();
    process.exit(1);
  },
  rounds * 120_000 + tailMs + alertForSeconds * 1000 + 180_000,
);
watchdog.unref();

try {
  const report = await runFleetDrill({
    rounds,
    tailMs,
    alertForSeconds,
    connections: positive(values.connections as string | undefined, '--connections', 8),
    maxSizeBytes: positive(values['max-size'] as string | undefined, '--max-size', 2_097_152),
    keep: values.keep === true,
    group,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(
    values.json ? `${JSON.stringify(report, null, 2)}\n` : formatFleetReport(report),
  );
  process.exitCode = report.mismatches.length === 0 ? 0 : 1;
} catch (error) {
  process.stderr.write(`eventkit-fleet-drill: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
