import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { METRIC_CATALOG } from '@eventkit/core/telemetry';
import { describe, expect, it } from 'vitest';
import { createCli } from './cli.js';
import {
  dashboardExpressions,
  deployPath as deploy,
  readDeployFile as read,
  readDashboard,
} from './test-support/deploy-files.js';

function run(tool: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(tool, args, { encoding: 'utf8', timeout: 30_000 });
  if (result.error)
    throw new Error(`${tool} is not installed (Debian: prometheus / prometheus-alertmanager)`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

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

  // verify exits 0 on an unknown key and only warns, so the template must verify silently.
  it.skipIf(!hasSystemdAnalyze)(
    'systemd-analyze verify accepts an instance of event-agent@.service without a warning (skipped where systemd-analyze is missing: Debian package systemd)',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'event-agent-unit-'));
      try {
        const instance = join(dir, 'event-agent@8001.service');
        symlinkSync(deploy('systemd/event-agent@.service'), instance);
        const { status, output } = run('systemd-analyze', ['verify', instance]);
        expect(output).toBe('');
        expect(status, output).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
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
        /sum by \(le[^)]*\) \(rate\(event_agent_latency_seconds_bucket(\{[^}]*\})?\[5m\]\)\)/,
      );
    }
  });

  it('shows exemplars on the p95 latency targets, so a spike leads to a trace id', () => {
    const p95 = readDashboard()
      .panels.flatMap((panel) => panel.targets ?? [])
      .filter((target) => target.expr.startsWith('histogram_quantile(0.95,'));
    expect(p95.length).toBeGreaterThan(0);
    expect(p95.every((target) => target.exemplar === true)).toBe(true);
  });

  it('has the panels the runbooks point at', () => {
    const titles = readDashboard().panels.map((panel) => panel.title);
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

describe('the dashboard over a fleet', () => {
  const dashboard = readDashboard();
  const rowAt = dashboard.panels.findIndex((panel) => panel.repeat === 'instance');
  const fleet = dashboard.panels.slice(0, rowAt).flatMap((panel) => panel.targets ?? []);
  const perInstance = dashboard.panels.slice(rowAt + 1);

  it('offers every scraped exporter as the instance variable, all of them by default', () => {
    const variable = dashboard.templating.list.find((entry) => entry.name === 'instance');
    expect(variable).toMatchObject({ type: 'query', includeAll: true, multi: true });
    expect(JSON.stringify(variable?.query)).toContain(
      'label_values(up{job=\\"event-agent\\"}, instance)',
    );
  });

  it('repeats a row of panels per instance, each query narrowed to that instance', () => {
    expect(dashboard.panels[rowAt]?.type).toBe('row');
    expect(perInstance.length).toBeGreaterThan(3);
    const targets = perInstance.flatMap((panel) => panel.targets ?? []);
    expect(perInstance.every((panel) => panel.type !== 'row')).toBe(true);
    for (const { expr } of targets) {
      const selectors = expr.match(/event_agent_[a-z_]+(\{[^}]*\})?/g) ?? [];
      expect(selectors.length, expr).toBeGreaterThan(0);
      expect(
        selectors.filter((s) => !s.endsWith('{instance=~"$instance"}')),
        expr,
      ).toEqual([]);
    }
  });

  it('shows fleet totals above: summed over instances before dividing, never narrowed to one', () => {
    expect(fleet.length).toBeGreaterThan(10);
    expect(fleet.filter(({ expr }) => expr.includes('$instance'))).toEqual([]);
    const ratios = fleet.filter(({ expr }) => / \/ /.test(expr) && expr.includes('rate('));
    expect(ratios.length).toBeGreaterThan(0);
    for (const { expr } of ratios) {
      for (const side of expr.split(' / '))
        expect(side, expr).toMatch(/^sum( by \([a-z]+\) )?\(rate\(/);
    }
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

  describe('event-agent@.service, one instance per port', () => {
    const template = read('systemd/event-agent@.service');
    const values = (key: string) =>
      [...template.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((match) => match[1] ?? '');
    const env = new Map(
      values('Environment').map((entry) => [
        entry.slice(0, entry.indexOf('=')),
        entry.slice(entry.indexOf('=') + 1),
      ]),
    );

    it('gives each instance its own port, working directory (so telemetry file) and identity', () => {
      expect(env.get('PORT')).toBe('%i');
      expect(env.get('EVENTKIT_INSTANCE')).toBe('%H-%i');
      expect(values('WorkingDirectory')).toEqual(['/var/lib/event-agent/%i']);
      expect(values('StateDirectory')[0]?.split(' ')).toContain('event-agent/%i');
    });

    it('drains on stop within TimeoutStopSec, and is restarted and reloaded like the single unit', () => {
      const delayMs = Number(env.get('SHUTDOWN_DELAY_MS'));
      const drainMs = Number(env.get('SHUTDOWN_TIMEOUT_MS'));
      expect(delayMs).toBeGreaterThan(0);
      expect(drainMs).toBeGreaterThan(0);
      const stopSeconds = Number(values('TimeoutStopSec')[0]?.replace(/s$/, ''));
      expect(stopSeconds * 1000).toBeGreaterThan(delayMs + drainMs);
      expect(values('KillSignal')).toEqual(['SIGTERM']);
      expect(values('Restart')).toEqual(['on-failure']);
      expect(values('ExecReload')).toEqual(['/bin/kill -HUP $MAINPID']);
      expect(values('ExecStart')).toEqual([
        '/usr/bin/node /opt/event-kit/apps/agent-server/dist/main.js',
      ]);
    });

    it('keeps every hardening setting of event-agent.service', () => {
      const single = read('systemd/event-agent.service');
      const hardening = single
        .slice(single.indexOf('NoNewPrivileges='), single.indexOf('[Install]'))
        .split('\n')
        .filter((line) => /^[A-Z]\w*=/.test(line));
      expect(hardening.length).toBeGreaterThan(15);
      const lines = new Set(template.split('\n'));
      expect(hardening.filter((line) => !lines.has(line))).toEqual([]);
    });
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
