import { describe, expect, it } from 'vitest';
import { clientKey, createRateLimiter } from './rate-limit.js';

describe('createRateLimiter', () => {
  it('refills at perMinute tokens per minute', () => {
    let t = 0;
    const limiter = createRateLimiter({ perMinute: 60, burst: 1, now: () => t });
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    t += 1000;
    expect(limiter.take('a').allowed).toBe(true);
  });

  it('never holds more than burst tokens', () => {
    let t = 0;
    const limiter = createRateLimiter({ perMinute: 600, burst: 3, now: () => t });
    t += 3_600_000;
    const results = Array.from({ length: 4 }, () => limiter.take('a').allowed);
    expect(results).toEqual([true, true, true, false]);
  });

  it('says how long until the next token in Retry-After', () => {
    const limiter = createRateLimiter({ perMinute: 2, burst: 1, now: () => 0 });
    limiter.take('a');
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 30 });
  });

  it('is off with perMinute 0', () => {
    const limiter = createRateLimiter({ perMinute: 0, burst: 1 });
    expect(Array.from({ length: 100 }, () => limiter.take('a').allowed).every(Boolean)).toBe(true);
  });

  it('forgets the least recently seen client beyond maxClients', () => {
    const limiter = createRateLimiter({ perMinute: 1, burst: 1, now: () => 0, maxClients: 2 });
    limiter.take('a');
    limiter.take('b');
    limiter.take('c'); // evicts a
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('c').allowed).toBe(false);
  });
});

describe('clientKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['::1', '0:0:0:0::/64'],
    [undefined, 'unknown'],
  ])('keys %s as %s', (address, key) => {
    expect(clientKey(address)).toBe(key);
  });
});
