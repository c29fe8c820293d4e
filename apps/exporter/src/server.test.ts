import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createExporter } from './exporter.js';
import { acceptsOpenMetrics, createMetricsServer } from './server.js';

const LINE =
  '{"ts":1732540000.1,"action":"recommend","success":true,"latency_ms":12.5,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}\n';
/** What Prometheus sends when it scrapes. */
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

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

  it('serves OpenMetrics with exemplars to a scraper that prefers it, as Prometheus does', async () => {
    const { exporter, url } = await start();
    await exporter.poll();
    const response = await fetch(`${url}/metrics`, { headers: { accept: PROMETHEUS_ACCEPT } });
    expect(response.headers.get('content-type')).toBe(
      'application/openmetrics-text; version=1.0.0; charset=utf-8',
    );
    const text = await response.text();
    expect(text).toContain(
      'event_agent_latency_seconds_bucket{action="recommend",le="0.025"} 3 # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736"} 0.0125 1732540000.1',
    );
    expect(text.endsWith('# EOF\n')).toBe(true);
  });

  it('serves the text format, without exemplars, to everyone else', async () => {
    const { exporter, url } = await start();
    await exporter.poll();
    const response = await fetch(`${url}/metrics`);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).toContain('event_agent_latency_seconds_bucket{action="recommend",le="0.025"} 3\n');
    expect(text).not.toContain('trace_id');
  });
});

describe('acceptsOpenMetrics', () => {
  it.each([
    [PROMETHEUS_ACCEPT, true],
    ['application/openmetrics-text', true],
    ['text/plain;q=0.9, application/openmetrics-text;q=0.5', false],
    ['application/openmetrics-text;q=0, text/plain', false],
    ['*/*', false],
    ['', false],
    [undefined, false],
  ])('%s: %s', (accept, expected) => {
    expect(acceptsOpenMetrics(accept)).toBe(expected);
  });
});
