import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import proxyaddr from 'proxy-addr';
import { requestHeader } from './request-input.js';

/** Names proxy-addr expands to address ranges. */
const RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'] as const;

/** The peer address as @hono/node-server hands it over; undefined under app.request(). */
export function socketAddress(c: Context): string | undefined {
  return (c.env as Partial<HttpBindings> | undefined)?.incoming?.socket?.remoteAddress;
}

/**
 * Splits and checks `TRUST_PROXY` (comma-separated addresses, CIDRs, `loopback`, `linklocal`,
 * `uniquelocal`). Empty = no proxy trusted. Throws a one-line message naming the bad entry.
 */
export function parseTrustProxy(raw: string): string[] {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of entries) {
    try {
      proxyaddr.compile(entry);
    } catch {
      throw new Error(
        `entry "${entry}" is not an IP address, a CIDR (10.0.0.0/8, fd00::/8) or one of ${RANGE_NAMES.join(', ')}`,
      );
    }
  }
  return entries;
}

/**
 * How the app finds a request's client: with no trusted proxy the socket's peer (X-Forwarded-For
 * is never read: anyone can forge it); with trusted proxies the right-most address of the chain
 * socket ← X-Forwarded-For that is not trusted (the rule of Express, by its `proxy-addr`).
 *
 * @example
 * const clientOf = createClientAddress(['loopback', '10.0.0.0/8']);
 * clientOf(c); // '203.0.113.7' for a request from 127.0.0.1 with X-Forwarded-For: 203.0.113.7
 */
export function createClientAddress(
  trustProxy: readonly string[] = [],
): (c: Context) => string | undefined {
  if (trustProxy.length === 0) return socketAddress;
  const trust = proxyaddr.compile([...trustProxy]);
  return (c) => {
    const remoteAddress = socketAddress(c);
    // A direct client's header is never read, as if no proxy were trusted.
    if (remoteAddress === undefined || !trust(remoteAddress, 0)) return remoteAddress;
    const forwardedFor = requestHeader(c, 'x-forwarded-for');
    if (!forwardedFor) return remoteAddress;
    // proxy-addr reads only these two fields of Node's request.
    const request = { socket: { remoteAddress }, headers: { 'x-forwarded-for': forwardedFor } };
    // The socket's address, then each trusted hop, then the client.
    const chain = proxyaddr.all(request as unknown as IncomingMessage, trust);
    const client = chain[chain.length - 1] as string;
    // A trusted proxy relayed something that is not an address (it did not append its peer):
    // the client is then the last hop we trust, never an attacker's string (a rate-limit key).
    return isIP(client) ? client : (chain[chain.length - 2] as string);
  };
}
