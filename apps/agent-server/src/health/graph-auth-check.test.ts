import { createGraphClient } from '@eventkit/core';
import { createFakeGraphServer, type FakeGraphServer } from '@eventkit/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GRAPH_AUTH_FAILED, graphAuthCheck } from './graph-auth-check.js';

let fake: FakeGraphServer;
let clock: number;
const now = () => new Date(clock);

beforeEach(async () => {
  fake = await createFakeGraphServer();
  clock = Date.parse('2026-03-15T08:00:00Z');
});
afterEach(async () => {
  await fake.close();
});

const tokenRequests = () => fake.requests.filter((r) => r.route === 'token').length;

describe('graphAuthCheck', () => {
  it('passes when a token can be obtained', async () => {
    const check = graphAuthCheck(createGraphClient(fake.config(), { now }), { now });
    expect(check.name).toBe('graph');
    await expect(check.run()).resolves.toBeUndefined();
  });

  it('reports "Graph API authentication failed" when the credentials are rejected', async () => {
    const client = createGraphClient(fake.config({ clientSecret: 'revoked' }), { now });
    await expect(graphAuthCheck(client, { now }).run()).resolves.toBe(GRAPH_AUTH_FAILED);
    expect(GRAPH_AUTH_FAILED).toBe('Graph API authentication failed');
  });

  it('reuses a failed result for ttlMs, so probes do not hammer the token endpoint', async () => {
    const client = createGraphClient(fake.config({ clientSecret: 'revoked' }), { now });
    const check = graphAuthCheck(client, { now, ttlMs: 30_000 });
    await Promise.all([check.run(), check.run()]);
    await check.run();
    clock += 29_999;
    await check.run();
    expect(tokenRequests()).toBe(1);
    clock += 1;
    await expect(check.run()).resolves.toBe(GRAPH_AUTH_FAILED);
    expect(tokenRequests()).toBe(2);
  });

  it('notices recovery once the cached failure expires', async () => {
    fake.fail('token', { status: 400, body: { error: 'invalid_client' } });
    const check = graphAuthCheck(createGraphClient(fake.config(), { now }), { now, ttlMs: 1000 });
    await expect(check.run()).resolves.toBe(GRAPH_AUTH_FAILED);
    clock += 1000;
    await expect(check.run()).resolves.toBeUndefined();
  });
});

describe('graphAuthCheck under throttling', () => {
  it('answers within its own budget instead of waiting out Retry-After', async () => {
    fake.fail('token', { status: 429, retryAfter: '20' });
    const sleeps: number[] = [];
    const client = createGraphClient(fake.config(), {
      now,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
    });
    const check = graphAuthCheck(client, { now, timeoutMs: 5_000 });
    await expect(check.run()).resolves.toBe(GRAPH_AUTH_FAILED);
    expect(sleeps).toEqual([]);
  });
});
