import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createExporter } from './exporter.js';
import { createMetricsServer } from './server.js';

const LINE = '{"ts":1732540000.1,"action":"recommend","success":true,"latency_ms":12.5}\n';

describe('metrics server', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  async function start() {
    const dir = await mkdtemp(join(tmpdir(), 'eventkit-server-'));
    const file = join(dir, 'telemetry.jsonl');
    await writeFile(file, LINE.repeat(3));
    const exporter = await createExporter({ files: [file], warn: () => {} });
    const server = createMetricsServer({ exporter });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    closers.push(async () => {
      server.close();
      await exporter.stop();
      await rm(dir, { recursive: true, force: true });
    });
    const { port } = server.address() as AddressInfo;
    return { exporter, url: `http://127.0.0.1:${port}` };
  }

  it('answers /metrics with 503 until the first poll has caught up, so a restart never looks like a counter reset', async () => {
    const { exporter, url } = await start();
    const early = await fetch(`${url}/metrics`);
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toBe('1');
    await early.text();

    await exporter.poll();
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('event_agent_requests_total{action="recommend"} 3');
  });

  it('answers /health before it has caught up, reporting caughtUp', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'healthy', caughtUp: false });
  });
});
