import { describe, expect, it } from 'vitest';
import { createTestApp, json } from '../test-support/test-deps.js';
import { createRateLimiter } from './rate-limit.js';

function clock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('rate limiting', () => {
  it('answers 429 with Retry-After once a client used its burst', async () => {
    const { now } = clock();
    const { app } = await createTestApp({
      rateLimiter: createRateLimiter({ perMinute: 60, burst: 2, now }),
      clientAddress: () => '203.0.113.7',
    });
    expect((await app.request('/recommend?interests=agents')).status).toBe(200);
    expect((await app.request('/recommend?interests=agents')).status).toBe(200);
    const limited = await app.request('/recommend?interests=agents');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect((await json(limited)).error).toContain('retry after 1 s');
  });

  it('records a limited request as action rate_limited', async () => {
    const { app, events } = await createTestApp({
      rateLimiter: createRateLimiter({ perMinute: 1, burst: 1, now: clock().now }),
      clientAddress: () => '203.0.113.7',
    });
    await app.request('/explain?session=x');
    await app.request('/explain?session=x');
    expect(events.map((e) => e.action)).toEqual(['explain', 'rate_limited']);
    expect(events[1]).toMatchObject({
      success: false,
      payload: { route: 'explain', retry_after_s: 60 },
    });
  });

  it('keeps one bucket per client address', async () => {
    let address = '198.51.100.1';
    const { app } = await createTestApp({
      rateLimiter: createRateLimiter({ perMinute: 1, burst: 1, now: clock().now }),
      clientAddress: () => address,
    });
    expect((await app.request('/recommend?interests=agents')).status).toBe(200);
    address = '198.51.100.2';
    expect((await app.request('/recommend?interests=agents')).status).toBe(200);
  });

  it('never limits the health probes', async () => {
    const { app } = await createTestApp({
      rateLimiter: createRateLimiter({ perMinute: 1, burst: 1, now: clock().now }),
      clientAddress: () => '203.0.113.7',
    });
    for (let i = 0; i < 5; i++) expect((await app.request('/health')).status).toBe(200);
  });
});

describe('request size limits', () => {
  it('answers 414 for a URL over the limit', async () => {
    const { app, events } = await createTestApp({ maxUrlBytes: 300 });
    const res = await app.request(`/recommend?interests=${'a,'.repeat(200)}`);
    expect(res.status).toBe(414);
    expect(events[0]).toMatchObject({ action: 'recommend', success: false, error: 'URL too long' });
  });

  it('answers 413 for a body over the limit', async () => {
    const { app } = await createTestApp({ maxBodyBytes: 10 });
    const res = await app.request('/recommend?interests=agents', {
      method: 'POST',
      headers: { 'content-length': '100' },
      body: 'x'.repeat(100),
    });
    expect(res.status).toBe(413);
  });

  it('answers 411 for a chunked body', async () => {
    const { app } = await createTestApp();
    const res = await app.request('/recommend?interests=agents', {
      method: 'POST',
      headers: { 'transfer-encoding': 'chunked' },
      body: 'x',
    });
    expect(res.status).toBe(411);
  });
});

describe('CORS', () => {
  it('allows any origin and exposes the trace headers', async () => {
    const { app } = await createTestApp();
    const res = await app.request('/recommend?interests=agents', {
      headers: { Origin: 'https://chat.example' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toContain('traceparent');
    expect(res.headers.get('access-control-expose-headers')).toContain('X-Trace-Id');
  });
});
