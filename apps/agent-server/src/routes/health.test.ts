import { describe, expect, it } from 'vitest';
import { createHealthModel } from '../health/health-model.js';
import { createTestApp, json } from '../test-support/test-deps.js';

describe('health routes', () => {
  const now = () => new Date('2024-03-15T08:30:00.000Z');
  const startedAt = new Date('2024-03-14T08:30:00.000Z');

  it('answers 200 with the healthy report', async () => {
    const health = createHealthModel({ version: '1.0.0', checks: [], now, startedAt });
    const { app } = await createTestApp({ health });
    const res = await app.request('/health');
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({
      status: 'healthy',
      timestamp: '2024-03-15T08:30:00Z',
      version: '1.0.0',
      uptime_seconds: 86400,
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('answers 503 with errors[] when unhealthy', async () => {
    const failing = (text: string) => ({ name: text, run: async () => text });
    const health = createHealthModel({
      version: '1.0.0',
      checks: [failing('Cannot load manifest'), failing('Graph API authentication failed')],
      now,
    });
    const { app } = await createTestApp({ health });
    const res = await app.request('/health');
    expect(res.status).toBe(503);
    expect(await json(res)).toEqual({
      status: 'unhealthy',
      timestamp: '2024-03-15T08:30:00Z',
      errors: ['Cannot load manifest', 'Graph API authentication failed'],
    });
  });

  it('answers /livez while the process runs', async () => {
    const { app, lifecycle } = await createTestApp();
    lifecycle.draining = true;
    expect((await app.request('/livez')).status).toBe(200);
  });

  it('answers /readyz 200, and 503 once draining', async () => {
    const { app, lifecycle } = await createTestApp();
    expect(await json(await app.request('/readyz'))).toEqual({ status: 'ready' });
    lifecycle.draining = true;
    const res = await app.request('/readyz');
    expect(res.status).toBe(503);
    expect(await json(res)).toEqual({ status: 'draining' });
  });

  it('marks only the health answers no-store', async () => {
    const { app } = await createTestApp();
    expect((await app.request('/readyz')).headers.get('cache-control')).toBe('no-store');
    expect(
      (await app.request('/recommend?interests=agents')).headers.get('cache-control'),
    ).toBeNull();
  });

  it('asks clients to close their connection while draining', async () => {
    const { app, lifecycle } = await createTestApp();
    lifecycle.draining = true;
    const res = await app.request('/recommend?interests=agents');
    expect(res.status).toBe(200);
    expect(res.headers.get('connection')).toBe('close');
  });
});
