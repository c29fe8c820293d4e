import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from './app-types.js';
import { allowedMethods, createErrorHandler } from './http-errors.js';
import { createLogger } from './logging/logger.js';
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

describe('the error handler', () => {
  it('answers a header HTTP cannot carry with a 500, keeping the headers set before it', async () => {
    const logLines: string[] = [];
    const logger = createLogger({ name: 'test', console: { write: (l) => logLines.push(l) } });
    const app = new Hono<AppEnv>();
    app.use(async (c, next) => {
      c.header('X-Layer', 'outer');
      await next();
    });
    app.get('/', (c) => {
      c.header('X-Echo', 'forged\r\nSet-Cookie: a=b');
      return c.text('never');
    });
    app.onError(createErrorHandler(logger));
    const res = await app.request('/');
    expect(res.status).toBe(500);
    expect((await json(res)).error).toMatch(/^Internal server error/);
    expect(res.headers.get('x-layer')).toBe('outer');
    expect(res.headers.get('x-echo')).toBeNull();
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(logLines.join('')).toMatch(/ - ERROR - Unexpected error: TypeError/);
  });
});

describe('allowedMethods', () => {
  it('lists every route of the agent with GET and HEAD, and no middleware', async () => {
    const { app } = await createTestApp();
    expect(Object.fromEntries(allowedMethods(app))).toEqual({
      '/recommend': ['GET', 'HEAD'],
      '/recommend-graph': ['GET', 'HEAD'],
      '/explain': ['GET', 'HEAD'],
      '/export': ['GET', 'HEAD'],
      '/health': ['GET', 'HEAD'],
      '/livez': ['GET', 'HEAD'],
      '/readyz': ['GET', 'HEAD'],
    });
  });
});
