import type { Context } from 'hono';
import { describe, expect, it } from 'vitest';
import { createClientAddress, parseTrustProxy } from './client-address.js';
import { createRateLimiter } from './middleware/rate-limit.js';
import { createTestApp } from './test-support/test-deps.js';

/** What @hono/node-server hands the app for a request from `peer` (app.request() has no socket). */
function from(peer: string, forwardedFor?: string) {
  const headers = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  return { incoming: { socket: { remoteAddress: peer }, headers } };
}

/** The client the app finds for one request, as its Request started log line names it. */
async function clientOf(trustProxy: string[], peer: string, forwardedFor?: string) {
  const { app, logLines } = await createTestApp({
    clientAddress: createClientAddress(trustProxy),
  });
  await app.request('/recommend?interests=agents', {}, from(peer, forwardedFor));
  return logLines[0]?.match(/Request started: recommend from (.+)$/)?.[1];
}

describe('createClientAddress', () => {
  it('reads no header when no proxy is trusted, nor from a peer that is not one', () => {
    const untouchable = new Proxy(
      {},
      {
        get: () => {
          throw new Error('a header was read');
        },
      },
    );
    const c = {
      env: { incoming: { socket: { remoteAddress: '198.51.100.9' }, headers: untouchable } },
      req: untouchable,
    } as unknown as Context;
    expect(createClientAddress([])(c)).toBe('198.51.100.9');
    expect(createClientAddress(['loopback'])(c)).toBe('198.51.100.9');
    expect(() => createClientAddress(['198.51.100.9'])(c)).toThrow('a header was read');
  });

  it('ignores a spoofed X-Forwarded-For when no proxy is trusted', async () => {
    expect(await clientOf([], '198.51.100.9', '203.0.113.7')).toBe('198.51.100.9');
  });

  it('believes X-Forwarded-For from a trusted proxy', async () => {
    expect(await clientOf(['198.51.100.9'], '198.51.100.9', '203.0.113.7')).toBe('203.0.113.7');
  });

  it('ignores X-Forwarded-For from a peer that is not trusted', async () => {
    expect(await clientOf(['10.0.0.1'], '198.51.100.9', '203.0.113.7')).toBe('198.51.100.9');
  });

  it('takes the peer itself when a trusted proxy sends no X-Forwarded-For', async () => {
    expect(await clientOf(['loopback'], '127.0.0.1')).toBe('127.0.0.1');
  });

  it.each([
    // A client's own forged entries sit left of the address its first proxy appended.
    [
      'the right-most untrusted of several hops',
      ['loopback', '10.0.0.0/8'],
      '127.0.0.1',
      '1.1.1.1, 203.0.113.7, 10.1.2.3',
      '203.0.113.7',
    ],
    ['CIDR ranges', ['10.0.0.0/8'], '10.9.8.7', '203.0.113.7', '203.0.113.7'],
    ['a dotted netmask', ['10.0.0.0/255.0.0.0'], '10.9.8.7', '203.0.113.7', '203.0.113.7'],
    ['loopback over IPv6', ['loopback'], '::1', '203.0.113.7', '203.0.113.7'],
    [
      'an IPv4-mapped peer against an IPv4 range',
      ['loopback'],
      '::ffff:127.0.0.1',
      '203.0.113.7',
      '203.0.113.7',
    ],
    ['IPv6 CIDRs and IPv6 clients', ['fd00::/8'], 'fd00::1', '2001:db8::7, fd00::2', '2001:db8::7'],
    ['uniquelocal', ['uniquelocal'], '192.168.1.1', '203.0.113.7, 172.16.0.1', '203.0.113.7'],
    [
      'the left-most address when every hop is trusted',
      ['loopback', '10.0.0.0/8'],
      '127.0.0.1',
      '10.0.0.2, 10.0.0.3',
      '10.0.0.2',
    ],
  ])('finds the client through %s', async (_name, trust, peer, forwardedFor, client) => {
    expect(await clientOf(trust, peer, forwardedFor)).toBe(client);
  });

  it.each(['vvvvvvvv', 'unknown', '203.0.113.7:443'])(
    'falls back to the nearest trusted hop when X-Forwarded-For ends in %j, not an address',
    async (forwardedFor) => {
      expect(await clientOf(['loopback'], '127.0.0.1', `10.0.0.2, ${forwardedFor}`)).toBe(
        '127.0.0.1',
      );
      expect(
        await clientOf(['loopback', '10.0.0.0/8'], '127.0.0.1', `${forwardedFor}, 10.0.0.2`),
      ).toBe('10.0.0.2');
    },
  );

  it('rate-limits the forwarded client, not the proxy', async () => {
    const { app } = await createTestApp({
      rateLimiter: createRateLimiter({ perMinute: 1, burst: 1, now: () => 0 }),
      clientAddress: createClientAddress(['loopback']),
    });
    const ask = async (client: string) =>
      (await app.request('/recommend?interests=agents', {}, from('127.0.0.1', client))).status;
    expect(await ask('203.0.113.1')).toBe(200);
    expect(await ask('203.0.113.2')).toBe(200);
    expect(await ask('203.0.113.1')).toBe(429);
  });
});

describe('parseTrustProxy', () => {
  it('splits the list and drops blanks', () => {
    expect(parseTrustProxy(' loopback, 10.0.0.0/8 ,,fd00::/8 ')).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::/8',
    ]);
    expect(parseTrustProxy('')).toEqual([]);
  });

  it.each(['10.0.0.300', '10.0.0.0/33', 'nginx', '::1/129', '10.0.0.0/'])(
    'names the bad entry %s',
    (entry) => {
      expect(() => parseTrustProxy(`loopback,${entry}`)).toThrow(`entry "${entry}"`);
    },
  );
});
