import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Child, httpGet, type ProcessGroup, waitFor } from './processes.js';

export interface PrometheusOptions {
  group: ProcessGroup;
  dir: string;
  port: number;
  /** host:port of the exporter. */
  target?: string;
  /** host:port of each exporter of a fleet (one target each, told apart by `instance`). */
  targets?: string[];
  /** Loaded as the server would load them (deploy/prometheus/alert_rules.yml). */
  ruleFiles?: string[];
  scrapeIntervalSeconds?: number;
}

export interface Prometheus {
  child: Child;
  url: string;
  /** Instant query; the vector's samples as `labels → value`. */
  query(expr: string): Promise<Array<{ labels: Record<string, string>; value: number }>>;
  /** Rule groups loaded, and the rules whose last evaluation failed. */
  rules(): Promise<{ rules: number; unhealthy: string[] }>;
  /** Timestamp (unix s) of the exporter target's last scrape and its health. */
  lastScrape(): Promise<{ at: number; health: string } | undefined>;
  /** Alerts pending or firing now (/api/v1/alerts). */
  alerts(): Promise<PrometheusAlert[]>;
}

export interface PrometheusAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing' | string;
  activeAt: string;
}

/**
 * Starts the real `prometheus` (Debian's package) on 127.0.0.1 with its own storage and exemplar
 * storage, scraping the exporter every `scrapeIntervalSeconds` and loading the shipped alert
 * rules. JSON is YAML, so the config is written as JSON.
 */
export async function startPrometheus({
  group,
  dir,
  port,
  target,
  targets = target ? [target] : [],
  ruleFiles = [],
  scrapeIntervalSeconds = 1,
}: PrometheusOptions): Promise<Prometheus> {
  await mkdir(path.join(dir, 'data'), { recursive: true });
  const interval = `${scrapeIntervalSeconds}s`;
  const config = {
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    rule_files: ruleFiles.filter((file) => existsSync(file)),
    scrape_configs: [
      {
        job_name: 'event-agent',
        static_configs: [{ targets, labels: { service: 'event-agent' } }],
      },
    ],
  };
  const configFile = path.join(dir, 'prometheus.yml');
  await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const url = `http://127.0.0.1:${port}`;
  const child = group.start({
    name: 'prometheus',
    command: 'prometheus',
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      // As deploy/README.md runs it: the exporter's exemplars are stored.
      '--enable-feature=exemplar-storage',
      '--log.level=warn',
    ],
    logFile: path.join(dir, 'prometheus.log'),
  });
  await waitFor(
    'prometheus ready',
    async () => ((await httpGet(`${url}/-/ready`)).status === 200 ? true : undefined),
    { child, timeoutMs: 30_000, intervalMs: 200 },
  );

  async function api<T>(pathAndQuery: string): Promise<T> {
    const { status, text } = await httpGet(`${url}${pathAndQuery}`, { timeoutMs: 5000 });
    const body = JSON.parse(text) as { status: string; data: T; error?: string };
    if (status !== 200 || body.status !== 'success') {
      throw new Error(`prometheus ${pathAndQuery}: ${status} ${body.error ?? text.slice(0, 200)}`);
    }
    return body.data;
  }

  return {
    child,
    url,
    async query(expr) {
      const data = await api<{
        resultType: string;
        result: Array<{ metric: Record<string, string>; value: [number, string] }>;
      }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
      return data.result.map((sample) => ({
        labels: sample.metric,
        value: Number(sample.value[1]),
      }));
    },
    async rules() {
      const data = await api<{
        groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }>;
      }>('/api/v1/rules');
      const all = data.groups.flatMap((g) => g.rules);
      return {
        rules: all.length,
        unhealthy: all
          .filter((rule) => rule.health === 'err')
          .map((rule) => `${rule.name}: ${rule.lastError ?? 'error'}`),
      };
    },
    async lastScrape() {
      const data = await api<{
        activeTargets: Array<{ lastScrape: string; health: string; scrapeUrl: string }>;
      }>('/api/v1/targets?state=active');
      const active = data.activeTargets[0];
      if (!active) return undefined;
      return { at: Date.parse(active.lastScrape) / 1000, health: active.health };
    },
    async alerts() {
      return (await api<{ alerts: PrometheusAlert[] }>('/api/v1/alerts')).alerts;
    },
  };
}
