import { describe, expect, it } from 'vitest';
import { createTestApp, json } from '../test-support/test-deps.js';

const TOKEN = 's3cret-token';

describe('bearer auth (API_TOKEN)', () => {
  it('lets a request with the right token through', async () => {
    const { app } = await createTestApp({ apiToken: TOKEN });
    const res = await app.request('/recommend?interests=agents', {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
  });

  it.each([
    ['no header', undefined, 'Authentication required'],
    ['a wrong token', `Bearer ${TOKEN}x`, 'Invalid bearer token'],
    ['a prefix of the token', 'Bearer s3cret', 'Invalid bearer token'],
    ['another scheme', `Basic ${TOKEN}`, 'Invalid bearer token'],
    ['an empty bearer', 'Bearer ', 'Invalid bearer token'],
  ])('answers 401 JSON for %s', async (_label, header, message) => {
    const { app } = await createTestApp({ apiToken: TOKEN });
    const res = await app.request('/recommend?interests=agents', {
      headers: header === undefined ? {} : { Authorization: header },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="event-agent"');
    expect((await json(res)).error).toContain(message);
  });

  it('records a refusal as telemetry action unauthorized without the token', async () => {
    const { app, events } = await createTestApp({ apiToken: TOKEN });
    await app.request('/export?interests=agents', { headers: { Authorization: 'Bearer guess' } });
    expect(events).toEqual([
      expect.objectContaining({
        action: 'unauthorized',
        success: false,
        payload: { reason: 'invalid', route: 'export' },
      }),
    ]);
    expect(JSON.stringify(events)).not.toContain('guess');
  });

  it.each(['/health', '/livez', '/readyz'])('leaves %s open', async (path) => {
    const { app } = await createTestApp({ apiToken: TOKEN });
    expect((await app.request(path)).status).toBe(200);
  });

  it('accepts the scheme in any case', async () => {
    const { app } = await createTestApp({ apiToken: TOKEN });
    const res = await app.request('/recommend?interests=agents', {
      headers: { Authorization: `bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
  });

  it('answers CORS preflights without a token', async () => {
    const { app } = await createTestApp({ apiToken: TOKEN });
    const res = await app.request('/recommend', {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });
});
