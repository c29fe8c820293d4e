import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../test-support/test-deps.js';
import { createTracing } from '../tracing.js';

const PARENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';

describe('observe', () => {
  it('writes one compact telemetry line per request', async () => {
    const { app, events } = await createTestApp({ now: () => new Date(1_732_540_000_123) });
    await app.request('/recommend?interests=agents,ai%20safety&top=5');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      ts: 1_732_540_000.123,
      action: 'recommend',
      success: true,
      payload: { interests_count: 2, top: 5, source: 'manifest', conflicts: 1, returned: 5 },
      error: null,
    });
    expect(events[0]?.latency_ms).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(events[0]?.payload)).not.toContain('title');
  });

  it('records a failed request with success false and the reason', async () => {
    const { app, events } = await createTestApp();
    await app.request('/recommend?interests=');
    expect(events).toEqual([
      expect.objectContaining({
        action: 'recommend',
        success: false,
        payload: { status: 400 },
        error: expect.stringContaining('interests must not be empty'),
      }),
    ]);
  });

  it('names the instance in every telemetry line when it has one', async () => {
    const { app, events } = await createTestApp({ instance: 'web1-w2' });
    await app.request('/recommend?interests=agents');
    await app.request('/nope');
    expect(events.map((event) => event.instance)).toEqual(['web1-w2', 'web1-w2']);
  });

  it.each(['/health', '/livez', '/readyz'])('does not log or record the probe %s', async (path) => {
    const { app, events, logLines } = await createTestApp();
    expect((await app.request(path)).status).toBe(200);
    expect(events).toEqual([]);
    expect(logLines).toEqual([]);
  });

  it.each([
    ['/nope', 'GET'],
    ['/recommend/extra', 'GET'],
    ['/', 'GET'],
  ])('records %s as action unknown with a 404', async (path, method) => {
    const { app, events } = await createTestApp();
    const res = await app.request(path, { method });
    expect(res.status).toBe(404);
    expect(events).toEqual([
      expect.objectContaining({ action: 'unknown', success: false, payload: { method } }),
    ]);
  });

  it('continues the trace of a W3C traceparent and returns it', async () => {
    const { app, events } = await createTestApp();
    const res = await app.request('/recommend?interests=agents', {
      headers: { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01` },
    });
    expect(res.headers.get('x-trace-id')).toBe(PARENT_TRACE);
    expect(res.headers.get('traceparent')).toMatch(
      new RegExp(`^00-${PARENT_TRACE}-[0-9a-f]{16}-01$`),
    );
    expect(events[0]?.trace_id).toBe(PARENT_TRACE);
  });

  it('uses a UUID X-Correlation-ID as trace id and echoes it', async () => {
    const { app, events } = await createTestApp();
    const id = '5a4c3307-e1d3-49a8-a2d0-380669ae1bed';
    const res = await app.request('/explain?session=Edge%20Intelligence%20Demos', {
      headers: { 'X-Correlation-ID': id },
    });
    expect(res.headers.get('x-correlation-id')).toBe(id);
    expect(res.headers.get('x-trace-id')).toBe(id.replaceAll('-', ''));
    expect(events[0]?.trace_id).toBe(id.replaceAll('-', ''));
  });

  it('makes a fresh trace id when the request brings none (or an invalid one)', async () => {
    const { app, events } = await createTestApp();
    const res = await app.request('/recommend?interests=agents', {
      headers: { traceparent: `00-${'0'.repeat(32)}-${PARENT_SPAN}-01` },
    });
    const traceId = res.headers.get('x-trace-id');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toBe('0'.repeat(32));
    expect(events[0]?.trace_id).toBe(traceId);
    expect(res.headers.get('x-correlation-id')).toBe(traceId);
  });

  it("logs the seed's [trace_id] Request started / completed lines", async () => {
    const { app, logLines } = await createTestApp();
    const res = await app.request('/recommend?interests=agents');
    const traceId = res.headers.get('x-trace-id');
    expect(logLines).toHaveLength(2);
    expect(logLines[0]).toMatch(
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} - event_agent - INFO - \\[${traceId}\\] Request started: recommend from unknown$`,
      ),
    );
    expect(logLines[1]).toMatch(
      new RegExp(` - INFO - \\[${traceId}\\] Request completed: recommend 200 \\([\\d.]+ ms\\)$`),
    );
  });

  it('names the client in the Request started line', async () => {
    const { app, logLines } = await createTestApp({ clientAddress: () => '203.0.113.7' });
    await app.request('/recommend?interests=agents');
    expect(logLines[0]).toMatch(/ Request started: recommend from 203\.0\.113\.7$/);
  });

  it('logs a client error as WARNING "Request failed" with the reason', async () => {
    const { app, logLines } = await createTestApp();
    await app.request('/recommend?top=3');
    expect(logLines[1]).toMatch(
      / - WARNING - \[[0-9a-f]{32}\] Request failed: recommend 400 \([\d.]+ ms\) - interests must not be empty/,
    );
  });

  it('logs a server error as ERROR and answers 500 without internals', async () => {
    const { app, logLines, events } = await createTestApp({
      sessions: {
        load: async () => {
          throw new Error('disk on fire at /secret/path');
        },
      },
    });
    const res = await app.request('/recommend?interests=agents');
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(body).not.toContain('/secret/path');
    expect(body).toContain(res.headers.get('x-trace-id'));
    expect(
      logLines.some((l) =>
        / - ERROR - \[[0-9a-f]{32}\] Request failed: recommend 500 \([\d.]+ ms\) - disk on fire/.test(
          l,
        ),
      ),
    ).toBe(true);
    expect(events[0]).toMatchObject({ success: false, error: 'disk on fire at /secret/path' });
  });

  it('cannot forge a log line through the query', async () => {
    const { app, logLines } = await createTestApp();
    await app.request(
      '/explain?session=x%0A2024-01-01%2000:00:00,000%20-%20event_agent%20-%20ERROR%20-%20forged',
    );
    for (const line of logLines) expect(line).not.toContain('\n');
    expect(logLines.filter((l) => / - ERROR - forged/.test(l))).toEqual([]);
  });

  it('creates spans request → load_sessions, score_sessions, sort_results in the request trace', async () => {
    const exporter = new InMemorySpanExporter();
    const { app } = await createTestApp({
      tracing: createTracing({ exporter: 'none', spanExporter: exporter }),
    });
    const res = await app.request('/recommend?interests=agents', {
      headers: { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01` },
    });
    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.name === 'recommend');
    expect(root?.parentSpanContext?.spanId).toBe(PARENT_SPAN);
    expect(root?.spanContext().traceId).toBe(PARENT_TRACE);
    expect(root?.attributes['http.response.status_code']).toBe(200);
    expect(res.headers.get('traceparent')).toBe(
      `00-${PARENT_TRACE}-${root?.spanContext().spanId}-01`,
    );
    const children = spans.filter(
      (s) => s.parentSpanContext?.spanId === root?.spanContext().spanId,
    );
    expect(children.map((s) => s.name)).toEqual([
      'load_sessions',
      'score_sessions',
      'sort_results',
    ]);
  });

  it('keeps score_sessions and sort_results for a remembered ranking, marked as cache hits', async () => {
    const exporter = new InMemorySpanExporter();
    const { app } = await createTestApp({
      tracing: createTracing({ exporter: 'none', spanExporter: exporter }),
    });
    const first = await (await app.request('/recommend?interests=agents,edge&top=3')).text();
    const again = await (await app.request('/recommend?interests=edge,agents&top=3')).text();
    expect(again).toBe(first);
    const hits = (name: string) =>
      exporter
        .getFinishedSpans()
        .filter((s) => s.name === name)
        .map((s) => s.attributes['eventkit.cache_hit']);
    expect(hits('score_sessions')).toEqual([false, true]);
    expect(hits('sort_results')).toEqual([false, true]);
  });

  it('gives the request span our trace id when the request brought none', async () => {
    const exporter = new InMemorySpanExporter();
    const { app } = await createTestApp({
      tracing: createTracing({ exporter: 'none', spanExporter: exporter }),
    });
    const res = await app.request('/recommend?interests=agents');
    const root = exporter.getFinishedSpans().find((s) => s.name === 'recommend');
    expect(root?.spanContext().traceId).toBe(res.headers.get('x-trace-id'));
    expect(root?.parentSpanContext).toBeUndefined();
  });
});
