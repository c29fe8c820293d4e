import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthUrl, probeHealth } from './probe-health.js';

let server: Server;
let base: string;
const asked: string[] = [];

const HEALTHY = { status: 'healthy', timestamp: 'x', version: '1.0.0', uptime_seconds: 5 };

beforeAll(async () => {
  server = createServer((request, response) => {
    asked.push(request.url ?? '');
    const json = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    switch (request.url) {
      case '/health':
      case '/status?deep=1':
        return json(200, HEALTHY);
      case '/unhealthy':
        return json(503, { status: 'unhealthy', errors: ['Cannot load manifest', 'Disk\nfull'] });
      case '/healthy-but-500':
        return json(500, HEALTHY);
      case '/no-status':
        return json(200, { ok: true });
      case '/null':
        return json(200, null);
      case '/not-json':
        return response.writeHead(200).end('OK\n  all good');
      case '/stalled-body':
        response.writeHead(200, { 'content-type': 'application/json' });
        return response.write('{"status":');
      default:
        // '/hang' never answers
        return undefined;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('healthUrl', () => {
  it.each([
    ['http://127.0.0.1:8000', 'http://127.0.0.1:8000/health'],
    ['http://127.0.0.1:8000/', 'http://127.0.0.1:8000/health'],
    ['https://agent.example?x=1', 'https://agent.example/health?x=1'],
    ['http://127.0.0.1:8000/health', 'http://127.0.0.1:8000/health'],
    ['http://127.0.0.1:8000/status', 'http://127.0.0.1:8000/status'],
    ['http://127.0.0.1:8000/api/', 'http://127.0.0.1:8000/api/'],
  ])('probes %s at %s', (url, expected) => {
    expect(healthUrl(url)).toBe(expected);
  });
});

describe('probeHealth', () => {
  it('asks a base URL at /health and reads a 2xx "status":"healthy" answer as healthy', async () => {
    expect(await probeHealth(base)).toStrictEqual({
      url: `${base}/health`,
      state: 'healthy',
      http_status: 200,
      body: HEALTHY,
      detail: '',
    });
  });

  it('asks a URL with a path as given', async () => {
    asked.length = 0;
    const probe = await probeHealth(`${base}/status?deep=1`);
    expect(probe).toMatchObject({ url: `${base}/status?deep=1`, state: 'healthy' });
    expect(asked).toEqual(['/status?deep=1']);
  });

  it.each([
    ['the agent errors, on one line', '/unhealthy', 503, 'Cannot load manifest; Disk full'],
    ['a healthy body with a 5xx', '/healthy-but-500', 500, 'HTTP 500, status "healthy"'],
    ['a JSON answer without status', '/no-status', 200, 'HTTP 200, no "status" in the answer'],
    ['a JSON null', '/null', 200, 'HTTP 200, no "status" in the answer'],
    [
      'an answer that is not JSON',
      '/not-json',
      200,
      'HTTP 200, not a JSON health answer: OK all good',
    ],
  ])('reads %s as unhealthy', async (_name, path, status, detail) => {
    expect(await probeHealth(`${base}${path}`)).toMatchObject({
      url: `${base}${path}`,
      state: 'unhealthy',
      http_status: status,
      detail,
    });
  });

  it('reads a body that stops before the timeout as unhealthy, saying so', async () => {
    expect(await probeHealth(`${base}/stalled-body`, { timeoutMs: 200 })).toMatchObject({
      state: 'unhealthy',
      http_status: 200,
      detail: 'HTTP 200, no complete answer within 0.2s',
    });
  });

  it('reads no answer within the timeout as down', async () => {
    expect(await probeHealth(`${base}/hang`, { timeoutMs: 200 })).toStrictEqual({
      url: `${base}/hang`,
      state: 'down',
      detail: 'no answer within 0.2s',
    });
  });

  it('reads a refused connection as down', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    expect(await probeHealth(`http://127.0.0.1:${port}`)).toMatchObject({
      url: `http://127.0.0.1:${port}/health`,
      state: 'down',
      detail: 'connection refused (is the agent running?)',
    });
  });

  it('reads an unknown host as down', async () => {
    const fetch = () =>
      Promise.reject(
        Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }),
      );
    expect(await probeHealth('http://agent.invalid', { fetch })).toMatchObject({
      url: 'http://agent.invalid/health',
      state: 'down',
      detail: 'host not found (check the URL)',
    });
  });

  it.each(['not a url', 'ftp://127.0.0.1/health'])(
    'reads %j as down without asking',
    async (url) => {
      const fetch = () => Promise.reject(new Error('must not be called'));
      expect(await probeHealth(url, { fetch })).toStrictEqual({
        url,
        state: 'down',
        detail: `not an http(s) URL: ${JSON.stringify(url)}`,
      });
    },
  );
});
