import { describe, expect, it } from 'vitest';
import { allowedMethods } from './http-errors.js';
import { createTestApp, json } from './test-support/test-deps.js';

describe('a request no route answers', () => {
  it('gets a 404 for a path the agent does not serve, recorded as action unknown', async () => {
    const { app, events } = await createTestApp();
    const res = await app.request('/recommendations');
    expect(res.status).toBe(404);
    expect((await json(res)).error).toMatch(/^Not found; the agent serves \/recommend/);
    expect(events).toEqual([
      expect.objectContaining({ action: 'unknown', success: false, error: 'unknown route' }),
    ]);
  });

  it('gets a 405 with Allow for a served path asked with another method', async () => {
    const { app, events, logLines } = await createTestApp();
    const res = await app.request('/recommend?interests=agents', { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect((await json(res)).error).toBe('/recommend does not take POST; use GET, HEAD');
    expect(events).toEqual([
      expect.objectContaining({
        action: 'unknown',
        success: false,
        payload: { method: 'POST' },
        error: 'method not allowed',
      }),
    ]);
    expect(logLines.at(-1)).toMatch(/Request failed: unknown 405 \(.* ms\) - method not allowed$/);
  });

  it('gets a 405 on the health routes too, which stay unrecorded', async () => {
    const { app, events } = await createTestApp();
    const res = await app.request('/health', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(events).toEqual([]);
  });
});

describe('allowedMethods', () => {
  it('lists every route of the agent with GET and HEAD, and no middleware', async () => {
    const { app } = await createTestApp();
    expect(Object.fromEntries(allowedMethods(app))).toEqual({
      '/recommend': ['GET', 'HEAD'],
      '/explain': ['GET', 'HEAD'],
      '/export': ['GET', 'HEAD'],
      '/health': ['GET', 'HEAD'],
      '/livez': ['GET', 'HEAD'],
      '/readyz': ['GET', 'HEAD'],
    });
  });
});
