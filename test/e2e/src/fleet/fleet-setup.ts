import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from '../bins.js';
import { type ExporterProcess, startExporter } from '../exporter-process.js';
import { freePort, type ProcessGroup, waitFor } from '../processes.js';
import { type Prometheus, startPrometheus } from '../prometheus.js';
import { writeManifest } from '../run-drill.js';
import { type AgentHost, createAgentHost, portFreeOnAll } from './hosts.js';
import { type Nginx, startNginx } from './nginx.js';
import { shortenAlertDurations } from './rules.js';

/** The three hosts' loopback addresses (all of 127.0.0.0/8 is loopback on Linux). */
export const HOST_ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];

/**
 * The agents' rate limit in the drill: 5 requests a second per client and process, a burst of 20
 * (the main load's users stay far below it, the noisy client far above).
 */
const RATE_LIMIT = { perMinute: 300, burst: 20 };

export interface FleetSetupOptions {
  group: ProcessGroup;
  workDir: string;
  /** The shipped alert rules' text. */
  rules: string;
  alertForSeconds: number;
  shutdownDelayMs: number;
  maxSizeBytes: number;
  log: (line: string) => void;
}

export interface Fleet {
  hosts: AgentHost[];
  exporters: Map<AgentHost, ExporterProcess>;
  prometheus: Prometheus;
  nginx: Nginx;
  token: string;
  explainTitle: string;
  /** `address:port` of a host's agent (nginx's upstream server). */
  upstreamOf(host: AgentHost): string;
  /** `address:port` of a host's exporter (Prometheus's `instance`). */
  targetOf(host: AgentHost): string;
}

/**
 * Starts the fleet: three agent hosts (the first with two workers), an exporter per host on the
 * host's address following every instance's file with one glob, Prometheus scraping them with the shipped rules
 * (fleet alerts shortened to `alertForSeconds`), and nginx with the shipped site in front.
 */
export async function startFleet({
  group,
  workDir,
  rules,
  alertForSeconds,
  shutdownDelayMs,
  maxSizeBytes,
  log,
}: FleetSetupOptions): Promise<Fleet> {
  const token = randomBytes(24).toString('base64url');
  const agentPort = await portFreeOnAll(HOST_ADDRESSES);
  const exporterPort = await portFreeOnAll(HOST_ADDRESSES);
  const upstreamOf = (host: AgentHost) => `${host.address}:${host.port}`;
  const targetOf = (host: AgentHost) => `${host.address}:${exporterPort}`;
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
        workers: i === 0 ? 2 : 1,
        env: {
          API_TOKEN: token,
          LOG_LEVEL: 'INFO',
          RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT.perMinute),
          RATE_LIMIT_BURST: String(RATE_LIMIT.burst),
          // nginx, and the edge proxy in front of the main load, connect from 127.0.0.1.
          TRUST_PROXY: '127.0.0.1',
          SHUTDOWN_DELAY_MS: String(shutdownDelayMs),
          OTEL_TRACES_EXPORTER: 'none',
        },
      }),
    );
  }
  // Prometheus starts meanwhile: it takes a few seconds to hand new targets to its scrapers.
  const rulesFile = path.join(workDir, 'alert_rules.yml');
  await writeFile(rulesFile, shortenAlertDurations(rules, alertForSeconds));
  const prometheusStarted = startPrometheus({
    group,
    dir: path.join(workDir, 'prometheus'),
    port: await freePort(),
    targets: hosts.map(targetOf),
    ruleFiles: [rulesFile],
  });
  // Awaited below; a failed start of the agents first must not leave it unhandled.
  prometheusStarted.catch(() => {});
  await Promise.all(hosts.map((host) => host.start()));
  log(`agents on ${hosts.map(upstreamOf).join(', ')}`);

  const exporters = new Map<AgentHost, ExporterProcess>();
  await Promise.all(
    hosts.map(async (host) => {
      const [first = host.telemetryFile, ...rest] = exporterFiles(host);
      exporters.set(
        host,
        await startExporter(first, {
          group,
          name: `exporter ${host.name}`,
          host: host.address,
          port: exporterPort,
          stateFile: path.join(host.dir, 'exporter-state.json'),
          pollIntervalMs: 250,
          args: [
            ...rest.flatMap((file) => ['--file', file]),
            '--health-url',
            `${host.url}/health`,
            // The probe runs inside each scrape: it must end within Prometheus's scrape timeout
            // (1 s here, as the 2 s default does within the 10 s of a production scrape), or a
            // slow agent reads as a failed scrape instead of an unhealthy one.
            '--health-timeout',
            '500',
          ],
          logFile: path.join(host.dir, 'exporter.log'),
        }),
      );
    }),
  );

  const prometheus = await prometheusStarted;
  const nginx = await startNginx({
    group,
    dir: path.join(workDir, 'nginx'),
    site: path.join(repoRoot(), 'deploy', 'nginx', 'event-agent.conf'),
    upstreams: hosts.map(upstreamOf),
    port: await freePort(),
  });
  // Until Prometheus has seen every host healthy, a host killed would be the fleet's only
  // instance to it (EventAgentDown).
  await waitFor(
    'prometheus seeing every host healthy',
    async () => {
      const healthy = await prometheus.query('count(event_agent_health_up == 1)');
      return healthy[0]?.value === hosts.length ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  log(`nginx ${nginx.url}, prometheus ${prometheus.url}`);
  return { hosts, exporters, prometheus, nginx, token, explainTitle, upstreamOf, targetOf };
}

/** What a host's exporter follows: one quoted glob for every instance's live file. */
function exporterFiles(host: AgentHost): string[] {
  return [path.join(path.dirname(host.telemetryFile), 'telemetry*.jsonl')];
}
