import { createHealthModel } from '@eventkit/core';
import { describe, expect, it } from 'vitest';
import { createTestApp, json } from '../test-support/test-deps.js';

describe('health routes', () => {
  it('answers 200 with the healthy report', async () => {
    const report = {
      status: 'healthy',
      timestamp: '2024-03-15T08:30:00Z',
      version: '1.0.0',
      uptime_seconds: 5,
    } as const;
    const { app } = await createTestApp({ health: { check: async () => report } });
    const res = await app.request('/health');
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual(report);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('answers 503 with errors[] when unhealthy', async () => {
    const report = {
      status: 'unhealthy',
      timestamp: '2024-03-15T08:30:00Z',
      errors: ['Cannot load manifest'],
    } as const;
    const { app } = await createTestApp({ health: { check: async () => report } });
    const res = await app.request('/health');
    expect(res.status).toBe(503);
    expect(await json(res)).toEqual(report);
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

  it('asks clients to close their connection while draining', async () => {
    const { app, lifecycle } = await createTestApp();
    lifecycle.draining = true;
    const res = await app.request('/recommend?interests=agents');
    expect(res.status).toBe(200);
    expect(res.headers.get('connection')).toBe('close');
  });
});
