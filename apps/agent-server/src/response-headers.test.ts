import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from './app-types.js';
import { respond, respondJson, setResponseHeader } from './response-headers.js';

function appWithLayer() {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    setResponseHeader(c, 'X-Layer', 'outer');
    await next();
  });
  return app;
}

describe('response headers', () => {
  it('puts the headers every layer set on the answer the handler builds', async () => {
    const app = appWithLayer().get('/', (c) => {
      setResponseHeader(c, 'X-Handler', 'inner');
      return respond(c, 'hi', 201, 'text/plain');
    });
    const res = await app.request('/');
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('hi');
    expect(Object.fromEntries(res.headers)).toEqual({
      'content-type': 'text/plain',
      'x-handler': 'inner',
      'x-layer': 'outer',
    });
  });

  it('keeps one value per header name, whatever its case', async () => {
    const app = appWithLayer().get('/', (c) => {
      setResponseHeader(c, 'x-layer', 'replaced');
      return respond(c, null, 204);
    });
    const res = await app.request('/');
    expect(res.status).toBe(204);
    expect(res.headers.get('X-Layer')).toBe('replaced');
  });

  it('answers JSON with its content type and the layers’ headers', async () => {
    const app = appWithLayer().get('/', (c) => respondJson(c, { ok: true }, 418));
    const res = await app.request('/');
    expect(res.status).toBe(418);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-layer')).toBe('outer');
    expect(await res.json()).toEqual({ ok: true });
  });

  it('refuses a header HTTP cannot carry with a 500 from the error handler, not a crash', async () => {
    const app = appWithLayer().get('/', (c) => {
      setResponseHeader(c, 'X-Echo', 'forged\r\nSet-Cookie: a=b');
      return respond(c, 'never', 200);
    });
    app.onError((error, c) => respondJson(c, { error: error.message }, 500));
    const res = await app.request('/');
    expect(res.status).toBe(500);
    expect(res.headers.get('x-layer')).toBe('outer');
    expect(res.headers.get('x-echo')).toBeNull();
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  // Hono's own helpers keep their headers apart: an answer built by respond() would silently
  // lose what c.header() set, and an answer built by c.json() what setResponseHeader() set.
  it('is the only way the agent sets headers or builds answers', () => {
    const sources = readdirSync(import.meta.dirname, { recursive: true, encoding: 'utf8' }).filter(
      (file) => file.endsWith('.ts') && !file.endsWith('.test.ts'),
    );
    const code = (file: string) =>
      readFileSync(path.join(import.meta.dirname, file), 'utf8').replace(
        /\/\*[\s\S]*?\*\/|\/\/.*$/gm,
        '',
      );
    const offenders = sources.filter((file) =>
      /\bc\.(header|json|body|text|html|newResponse)\(/.test(code(file)),
    );
    expect(sources.length).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });
});
