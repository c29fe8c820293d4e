import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealthProbe } from './health-probe.js';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/health' || request.url === '/healthy') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"healthy"}');
    } else if (request.url === '/unhealthy') {
      response
        .writeHead(503, { 'content-type': 'application/json' })
        .end('{"status":"unhealthy","errors":["x"]}');
    } else if (request.url === '/not-json') {
      response.writeHead(200).end('OK');
    }
    // '/hang' never answers
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('createHealthProbe', () => {
  it.each([
    ['a 200 healthy answer', 1, '/healthy', 5000],
    ['a base URL, probed at its /health', 1, '', 5000],
    ['a 503 unhealthy answer', 0, '/unhealthy', 5000],
    ['a 200 that is not the health JSON', 0, '/not-json', 5000],
    ['no answer within the timeout', 0, '/hang', 200],
  ])('reads %s as %i', async (_, expected, path, timeoutMs) => {
    expect(await createHealthProbe({ url: `${base}${path}`, timeoutMs })()).toBe(expected);
  });

  it('reads a refused connection as 0', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    expect(await createHealthProbe({ url: `http://127.0.0.1:${port}/health` })()).toBe(0);
  });
});
