import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startBuilt } from './test-support/built-server.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}
interface OtlpRequest {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

/** A loopback OTLP/HTTP collector: records every POST /v1/traces body. */
async function startCollector() {
  const requests: { contentType: string | undefined; body: OtlpRequest }[] = [];
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let data = '';
      req.on('data', (chunk) => (data += chunk));
      req.on('end', () => resolve(data));
    });
  const server = createServer(async (req, res) => {
    const body = await read(req);
    if (req.method === 'POST' && req.url === '/v1/traces') {
      requests.push({ contentType: req.headers['content-type'], body: JSON.parse(body) });
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => server.close() };
}

const PARENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';

describe('tracing of the built server', () => {
  it('exports real OTLP/HTTP spans request → load_sessions, score_sessions, sort_results to the collector', async () => {
    const collector = await startCollector();
    try {
      const agent = await startBuilt({
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_SERVICE_NAME: 'event-agent-test',
      });
      const res = await fetch(`${agent.url}/recommend?interests=agents`, {
        headers: { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01` },
      });
      expect(res.status).toBe(200);
      expect(await agent.stop('SIGTERM')).toBe(0); // shutdown flushes the batch

      expect(collector.requests.length).toBeGreaterThan(0);
      expect(collector.requests[0]?.contentType).toMatch(/^application\/json/);
      const resourceSpans = collector.requests.flatMap((r) => r.body.resourceSpans);
      const serviceNames = resourceSpans.flatMap((r) =>
        r.resource.attributes
          .filter((a) => a.key === 'service.name')
          .map((a) => a.value.stringValue),
      );
      expect(new Set(serviceNames)).toEqual(new Set(['event-agent-test']));
      const spans = resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
      const root = spans.find((s) => s.name === 'recommend');
      expect(root).toMatchObject({ traceId: PARENT_TRACE, parentSpanId: PARENT_SPAN, kind: 2 });
      const children = spans.filter((s) => s.parentSpanId === root?.spanId).map((s) => s.name);
      expect(children.sort()).toEqual(['load_sessions', 'score_sessions', 'sort_results']);
      expect(spans.every((s) => s.traceId === PARENT_TRACE)).toBe(true);
      expect(res.headers.get('traceparent')).toBe(`00-${PARENT_TRACE}-${root?.spanId}-01`);
    } finally {
      collector.close();
    }
  });

  it('prints spans on stdout with OTEL_TRACES_EXPORTER=console', async () => {
    const agent = await startBuilt({ OTEL_TRACES_EXPORTER: 'console' });
    let stdout = '';
    agent.proc.stdout?.on('data', (chunk) => (stdout += chunk));
    const res = await fetch(`${agent.url}/explain?session=AI%20Safety%20Foundations`);
    await res.arrayBuffer();
    expect(await agent.stop('SIGTERM')).toBe(0);
    expect(stdout).toContain("name: 'load_sessions'");
    expect(stdout).toContain(`traceId: '${res.headers.get('x-trace-id')}'`);
  });
});
