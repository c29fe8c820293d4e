#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { positiveFlag } from './drill-args.js';
import { createProcessGroup } from './processes.js';
import { formatReport } from './report.js';
import { runDrill } from './run-drill.js';

const HELP = `Usage: eventkit-drill [--duration <s>] [--connections <n>] [--max-size <bytes>] [--keep] [--json]

The Event Kit operations drill: starts the built agent (tiny telemetry.maxSizeBytes, API_TOKEN),
the exporter (state file, --health-url) and the real Prometheus (1 s scrapes) on 127.0.0.1,
drives mixed load with autocannon, runs logrotate and restarts the exporter (SIGTERM, SIGKILL)
during it, stops the agent with SIGTERM, and checks that load = telemetry = exporter = Prometheus.
Exit 0 with no mismatch, 1 on any mismatch, 2 on a usage error.

Options:
  --duration <s>      seconds of load (default 15; the CI test runs 12, by hand try 120)
  --connections <n>   concurrent connections (default 16)
  --max-size <bytes>  the agent's telemetry.maxSizeBytes (default 524288)
  --logrotate-config <file>  logrotate config to render (default deploy/logrotate/event-agent)
  --keep              keep the temp directory (telemetry, logs, Prometheus data)
  --json              print the report as JSON
`;

const positive = (raw: string | undefined, name: string, fallback: number): number =>
  positiveFlag('eventkit-drill', raw, name, fallback);

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    // `pnpm drill -- --duration 60` may hand the separator through.
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    options: {
      duration: { type: 'string' },
      connections: { type: 'string' },
      'max-size': { type: 'string' },
      keep: { type: 'boolean' },
      'logrotate-config': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  process.stderr.write(`eventkit-drill: ${(error as Error).message}\n${HELP}`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const group = createProcessGroup();
// Nothing the drill started may outlive it, whatever ends it.
process.on('exit', () => group.killAll());
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    group.killAll();
    process.stderr.write(`eventkit-drill: ${signal}, children stopped\n`);
    process.exit(130);
  });
}

const durationMs = positive(values.duration as string | undefined, '--duration', 15) * 1000;
// A hard bound on the whole drill: load, start-up, catch-up and shutdown.
const watchdog = setTimeout(() => {
  process.stderr.write('eventkit-drill: did not finish in time; stopping everything\n');
  group.killAll();
  process.exit(1);
}, durationMs + 180_000);
watchdog.unref();

try {
  const report = await runDrill({
    durationMs,
    connections: positive(values.connections as string | undefined, '--connections', 16),
    maxSizeBytes: positive(values['max-size'] as string | undefined, '--max-size', 524_288),
    keep: values.keep === true,
    logrotateConfig: values['logrotate-config'] as string | undefined,
    group,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  process.exitCode = report.mismatches.length === 0 ? 0 : 1;
} catch (error) {
  process.stderr.write(`eventkit-drill: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
}
