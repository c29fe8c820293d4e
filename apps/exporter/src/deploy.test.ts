import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { METRIC_CATALOG } from '@eventkit/core/telemetry';
import { describe, expect, it } from 'vitest';
import { createCli } from './cli.js';

const deploy = (path: string) => fileURLToPath(new URL(`../../../deploy/${path}`, import.meta.url));
const read = (path: string) => readFileSync(deploy(path), 'utf8');

function run(tool: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(tool, args, { encoding: 'utf8', timeout: 30_000 });
  if (result.error)
    throw new Error(`${tool} is not installed (Debian: prometheus / prometheus-alertmanager)`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

/** Every expression of the dashboard, as Grafana would send it. */
export function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(read('grafana/event-agent-dashboard.json')) as {
    panels: Array<{ targets?: Array<{ expr: string }> }>;
  };
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
}

describe('deploy/ files pass the real tools', () => {
  it.each([
    ['promtool', ['check', 'config', deploy('prometheus/prometheus.yml')]],
    ['promtool', ['check', 'rules', deploy('prometheus/alert_rules.yml')]],
    ['promtool', ['test', 'rules', deploy('prometheus/alert_rules.test.yml')]],
    ['amtool', ['check-config', deploy('alertmanager/alertmanager.yml')]],
  ])('%s %s', (tool, args) => {
    const { status, output } = run(tool, args);
    expect(output).toContain('SUCCESS');
    expect(status, output).toBe(0);
  });

  it.skipIf(!hasSystemdAnalyze)('systemd-analyze verify accepts both units', () => {
    const { status, output } = run('systemd-analyze', [
      'verify',
      deploy('systemd/event-agent.service'),
      deploy('systemd/event-agent-exporter.service'),
    ]);
    expect(status, output).toBe(0);
  });
});

describe('deploy/ files use only the metrics catalog', () => {
  // Every series the catalog's metrics expose: a histogram as _bucket, _sum and _count.
  const catalog = new Set([
    ...Object.values(METRIC_CATALOG).flatMap((metric) =>
      metric.type === 'histogram'
        ? [`${metric.name}_bucket`, `${metric.name}_sum`, `${metric.name}_count`]
        : [metric.name],
    ),
    'up',
  ]);
  const recorded = new Set(
    [...read('prometheus/alert_rules.yml').matchAll(/record:\s*(\S+)/g)].map((m) => m[1]),
  );

  it.each([
    ['alert_rules.yml', read('prometheus/alert_rules.yml')],
    ['alert_rules.test.yml', read('prometheus/alert_rules.test.yml')],
    ['event-agent-dashboard.json', dashboardExpressions().join('\n')],
  ])('%s references only catalog metrics and defined recording rules', (_, text) => {
    const metrics = new Set(text.match(/\bevent_agent_[a-z_]+/g));
    expect(metrics.size).toBeGreaterThan(0);
    expect([...metrics].filter((name) => !catalog.has(name))).toEqual([]);
    const rules = new Set(text.match(/\bevent_agent:[a-z0-9_:]+/g) ?? []);
    expect([...rules].filter((name) => !recorded.has(name))).toEqual([]);
  });

  it('computes quantiles over rate() of the _bucket series, never over a bare histogram', () => {
    const quantiles = [read('prometheus/alert_rules.yml'), ...dashboardExpressions()]
      .join('\n')
      .match(/histogram_quantile\([^\n]*/g);
    expect(quantiles?.length).toBeGreaterThan(0);
    for (const expr of quantiles ?? []) {
      expect(expr).toMatch(
        /sum by \(le[^)]*\) \(rate\(event_agent_latency_seconds_bucket\[5m\]\)\)/,
      );
    }
  });

  it('shows exemplars on the p95 latency targets, so a spike leads to a trace id', () => {
    const dashboard = JSON.parse(read('grafana/event-agent-dashboard.json')) as {
      panels: Array<{ targets?: Array<{ expr: string; exemplar?: boolean }> }>;
    };
    const p95 = dashboard.panels
      .flatMap((panel) => panel.targets ?? [])
      .filter((target) => target.expr.startsWith('histogram_quantile(0.95,'));
    expect(p95.length).toBeGreaterThan(0);
    expect(p95.every((target) => target.exemplar === true)).toBe(true);
  });

  it('has the panels the runbooks point at', () => {
    const titles = (
      JSON.parse(read('grafana/event-agent-dashboard.json')) as { panels: Array<{ title: string }> }
    ).panels.map((panel) => panel.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Request rate',
        'Error ratio',
        'Latency p50 / p95 / p99',
        'Agent health',
        'Telemetry disk free',
        'Exporter lag',
      ]),
    );
  });
});

describe('systemd units', () => {
  it('start the built bins with node, and reload the agent with SIGHUP', () => {
    const agent = read('systemd/event-agent.service');
    const exporter = read('systemd/event-agent-exporter.service');
    expect(agent).toMatch(
      /^ExecStart=\/usr\/bin\/node \/opt\/event-kit\/apps\/agent-server\/dist\/main\.js/m,
    );
    expect(agent).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    expect(exporter).toMatch(
      /^ExecStart=\/usr\/bin\/node (--[a-z-]+=\S+ )*\/opt\/event-kit\/apps\/exporter\/dist\/main\.js/m,
    );
    // The installed command runs the same entry point as the unit.
    const bin = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).bin;
    const launcher = readFileSync(
      new URL(`../${bin['event-agent-exporter']}`, import.meta.url),
      'utf8',
    );
    expect(launcher).toMatch(/^import '\.\.\/dist\/main\.js';$/m);
  });

  it('pass only flags the exporter knows', () => {
    const execStart =
      read('systemd/event-agent-exporter.service').match(/^ExecStart=(?:.*\\\n)*.*$/m)?.[0] ?? '';
    const flags = execStart.split('main.js')[1]?.match(/--[a-z-]+/g) ?? [];
    const known = createCli({ env: {}, stdout: () => {}, stderr: () => {} }).options.map(
      (option) => option.long,
    );
    expect(flags.length).toBeGreaterThan(3);
    expect(flags.filter((flag) => !known.includes(flag))).toEqual([]);
  });
});
