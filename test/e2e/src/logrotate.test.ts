import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './bins.js';
import { renderLogrotateConfig, runLogrotate, writeLogrotateConfig } from './logrotate.js';
import { tempDir } from './test-support/temp-dir.js';

describe('renderLogrotateConfig', () => {
  it('points the block at the drill log, signals the drill agent, drops system accounts, keeps the rest', () => {
    const shipped = [
      '# comment {',
      '/var/log/event-agent/event_agent.log {',
      '    rotate 30',
      '    compress',
      '    create 0640 event-agent event-agent',
      '    su event-agent event-agent',
      '    postrotate',
      '        systemctl reload event-agent.service',
      '    endscript',
      '}',
    ].join('\n');
    const rendered = renderLogrotateConfig(shipped, '/tmp/x/agent.log', 4242);
    expect(rendered.keep).toBe(30);
    expect(rendered.copytruncate).toBe(false);
    expect(rendered.config).toContain('/tmp/x/agent.log {');
    expect(rendered.config).toContain('  create 0640\n');
    expect(rendered.config).toContain('kill -HUP 4242');
    expect(rendered.config).not.toMatch(/systemctl|\bsu\b|\/var\/log/);
    expect(rendered.config).toContain('# comment {');
  });

  it('renders the shipped deploy/logrotate/event-agent into a config the real logrotate runs', async () => {
    const dir = await tempDir('eventkit-logrotate-');
    const log = path.join(dir, 'agent.log');
    await writeFile(log, '2026-01-01 00:00:00,000 - event_agent - INFO - hello\n');
    const config = path.join(dir, 'logrotate.conf');
    // A stand-in for the agent: the postrotate script must find a process to send SIGHUP to.
    const agent = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const shipped = path.join(repoRoot(), 'deploy', 'logrotate', 'event-agent');
      await writeLogrotateConfig(shipped, config, log, agent.pid ?? 0);
      const hup = new Promise((resolve) => agent.once('exit', (_code, signal) => resolve(signal)));
      const result = await runLogrotate(config, path.join(dir, 'state'));
      expect(result.code, result.output).toBe(0);
      expect(await readFile(`${log}.1`, 'utf8')).toContain('hello');
      expect(await hup).toBe('SIGHUP');
    } finally {
      agent.kill('SIGKILL');
    }
  });
});
