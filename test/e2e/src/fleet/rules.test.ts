import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../bins.js';
import { tempDir } from '../test-support/temp-dir.js';
import { shortenAlertDurations } from './rules.js';

const RULES = [
  'groups:',
  '  - name: g',
  '    rules:',
  '      - alert: EventAgentDown',
  '        expr: max(event_agent_health_up) == 0',
  '        for: 3m',
  '      - alert: EventAgentInstanceDown',
  '        expr: event_agent_health_up == 0',
  '        for: 3m',
  '      - alert: HighLatency',
  '        expr: x > 1',
  '        for: 10m',
].join('\n');

describe('shortenAlertDurations', () => {
  it("shortens the fleet alerts' for: and no other", () => {
    const out = shortenAlertDurations(RULES, 5);
    expect(out.match(/for: 5s/g)).toHaveLength(2);
    expect(out).toContain('for: 10m');
    expect(out.replaceAll('for: 5s', 'for: 3m')).toBe(RULES);
  });

  it('refuses rules where a fleet alert has no for:', () => {
    expect(() =>
      shortenAlertDurations(
        RULES.replace(
          '        for: 3m\n      - alert: EventAgentInstanceDown',
          '      - alert: EventAgentInstanceDown',
        ),
        5,
      ),
    ).toThrow(/EventAgentDown have no for:/);
  });

  it('leaves the shipped rules valid for promtool', async () => {
    const dir = await tempDir('eventkit-rules-');
    const shipped = await readFile(
      path.join(repoRoot(), 'deploy', 'prometheus', 'alert_rules.yml'),
      'utf8',
    );
    const file = path.join(dir, 'alert_rules.yml');
    await writeFile(file, shortenAlertDurations(shipped, 5));
    const check = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    expect(check.stdout + check.stderr).toContain('SUCCESS');
    expect(check.status).toBe(0);
  });
});
