import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startBuilt } from './test-support/built-server.js';

describe('graceful shutdown of the built server', () => {
  it('answers in-flight requests, stops accepting, and every answered request has its telemetry line', async () => {
    const server = await startBuilt();
    const { url, dir } = server;
    const answered: string[] = [];
    const endings: string[] = [];
    let signalled = false;
    const worker = async () => {
      for (;;) {
        try {
          const res = await fetch(`${url}/recommend?interests=agents,observability&top=5`);
          await res.arrayBuffer();
          if (res.status !== 200) {
            endings.push(`HTTP ${res.status}`);
            return;
          }
          answered.push(res.headers.get('x-trace-id') ?? 'missing');
          if (!signalled && answered.length >= 200) {
            signalled = true;
            server.proc.kill('SIGTERM');
          }
        } catch (error) {
          endings.push(String((error as { cause?: { code?: string } }).cause?.code ?? error));
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(await server.exited).toBe(0);

    // Every worker ended on a refused/closed connection, none on an HTTP error.
    expect(endings).toHaveLength(16);
    expect(endings.every((e) => !e.startsWith('HTTP'))).toBe(true);
    const lines = readFileSync(path.join(dir, 'telemetry.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean);
    const recorded = lines.map((line) => JSON.parse(line).trace_id as string);
    expect(answered.length).toBeGreaterThanOrEqual(200);
    expect(new Set(recorded)).toEqual(new Set(answered));
    expect(recorded).toHaveLength(answered.length);
    const log = readFileSync(path.join(dir, 'agent.log'), 'utf8');
    expect(log).toContain('Received SIGTERM: draining in-flight requests');
    expect(log).toContain(
      `Shutdown complete: ${answered.length} telemetry lines written, 0 dropped`,
    );
  });

  it('reports /readyz 503 during SHUTDOWN_DELAY_MS before it stops accepting', async () => {
    const server = await startBuilt({ SHUTDOWN_DELAY_MS: '3000' });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    server.proc.kill('SIGTERM');
    let status = 200;
    for (let i = 0; i < 200 && status === 200; i++) {
      status = (await fetch(`${server.url}/readyz`)).status;
    }
    expect(status).toBe(503);
    const answer = await fetch(`${server.url}/recommend?interests=agents`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('connection')).toBe('close');
    expect(await server.exited).toBe(0);
  });

  it('exits 0 on SIGINT as well', async () => {
    const server = await startBuilt();
    await fetch(`${server.url}/explain?session=x`);
    expect(await server.stop('SIGINT')).toBe(0);
  });
});
