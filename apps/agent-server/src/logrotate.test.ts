import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { startBuilt } from './test-support/built-server.js';
import { REPO_ROOT } from './test-support/test-deps.js';

const CONFIG = path.join(REPO_ROOT, 'deploy/logrotate/event-agent');

/** The shipped config with this test's log path, no chown, and a SIGHUP to this server. */
function renderConfig(logFile: string, pid: number): string {
  const replacements: [RegExp, string][] = [
    [/^\/var\/log\/event-agent\/event_agent\.log \{$/m, `${logFile} {`],
    [/^(\s+create 0640) event-agent event-agent$/m, '$1'],
    [/^(\s+)systemctl reload event-agent\.service .*$/m, `$1kill -HUP ${pid}`],
  ];
  let text = readFileSync(CONFIG, 'utf8');
  for (const [pattern, replacement] of replacements) {
    expect(text, `${CONFIG} no longer matches ${pattern}`).toMatch(pattern);
    text = text.replace(pattern, replacement);
  }
  return text;
}

function readLog(file: string): string {
  const data = readFileSync(file);
  return (file.endsWith('.gz') ? gunzipSync(data) : data).toString('utf8');
}

describe('deploy/logrotate/event-agent with the real logrotate', () => {
  it('rotates the log of a busy server without losing a line; the server continues in the new file', async () => {
    const server = await startBuilt();
    const { dir, url, proc } = server;
    const logFile = path.join(dir, 'agent.log');
    const config = path.join(dir, 'logrotate.conf');
    writeFileSync(config, renderConfig(logFile, proc.pid as number));
    const rotate = () =>
      execFileSync('logrotate', ['-f', '-s', path.join(dir, 'logrotate.state'), config], {
        encoding: 'utf8',
      });

    const answered: string[] = [];
    let stop = false;
    let waiting: { count: number; reached: () => void } | undefined;
    const worker = async () => {
      while (!stop) {
        const res = await fetch(`${url}/recommend?interests=agents`);
        await res.arrayBuffer();
        answered.push(res.headers.get('x-trace-id') as string);
        if (waiting && answered.length >= waiting.count) waiting.reached();
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, worker));
    /** Resolves once `count` requests have been answered (rejects if the load fails first). */
    const until = (count: number) =>
      Promise.race([
        new Promise<void>((reached) => {
          waiting = { count, reached };
          if (answered.length >= count) reached();
        }),
        load.then(() => {
          throw new Error(`the load stopped before ${count} answers`);
        }),
      ]);
    await until(100);
    rotate();
    await until(250);
    rotate(); // the first archive is now compressed (delaycompress)
    await until(400);
    stop = true;
    await load;
    const afterRotation = answered.length;
    await fetch(`${url}/recommend?interests=after-rotation`);
    expect(await server.stop('SIGTERM')).toBe(0);

    const files = readdirSync(dir)
      .filter((f) => f.startsWith('agent.log'))
      .sort();
    expect(files).toEqual(['agent.log', 'agent.log.1', 'agent.log.2.gz']);
    const all = ['agent.log.2.gz', 'agent.log.1', 'agent.log']
      .map((f) => readLog(path.join(dir, f)))
      .join('');
    const lines = all.split('\n').filter(Boolean);
    for (const line of lines) {
      expect(line).toMatch(
        /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - event_agent\[[^\]]+\] - [A-Z]+ - /,
      );
    }
    for (const traceId of answered) {
      expect(lines.filter((l) => l.includes(`[${traceId}] Request started`))).toHaveLength(1);
      expect(lines.filter((l) => l.includes(`[${traceId}] Request completed`))).toHaveLength(1);
    }
    expect(afterRotation).toBeGreaterThanOrEqual(400);
    const live = readLog(logFile);
    expect(live).toContain('Reopened log file (SIGHUP)');
    expect(live).toMatch(/Request completed: recommend 200[\s\S]*Shutdown complete/);
    expect(readLog(path.join(dir, 'agent.log.1'))).toContain('Request completed: recommend 200');
  });
});
