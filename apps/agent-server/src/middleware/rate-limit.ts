import { isIPv6 } from 'node:net';

export interface RateLimiterOptions {
  /** Tokens added per minute (sustained rate); 0 disables limiting. */
  perMinute: number;
  /** Bucket size: how many requests a client may send at once. */
  burst: number;
  /** Monotonic milliseconds. */
  now?: () => number;
  /** Clients remembered at once; the least recently seen are forgotten first. */
  maxClients?: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** False when limiting is off (perMinute 0): callers may skip finding the client. */
  readonly enabled: boolean;
  take(client: string): RateDecision;
}

/**
 * IPv6 clients usually own a whole /64, so they are limited per /64 rather than per address;
 * IPv4 (also IPv4-mapped IPv6) per address.
 */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets keyed by client: `burst` tokens, refilled at `perMinute` per minute.
 *
 * @example
 * const limiter = createRateLimiter({ perMinute: 600, burst: 100 });
 * const decision = limiter.take('203.0.113.7');
 */
export function createRateLimiter({
  perMinute,
  burst,
  now = () => performance.now(),
  maxClients = 10_000,
}: RateLimiterOptions): RateLimiter {
  if (perMinute <= 0) return { enabled: false, take: () => ({ allowed: true }) };
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, Bucket>();
  return {
    enabled: true,
    take(client) {
      const t = now();
      const bucket = buckets.get(client);
      let tokens = burst;
      if (bucket) {
        tokens = Math.min(burst, bucket.tokens + (t - bucket.at) * perMs);
        buckets.delete(client); // re-inserted below: Map order = least recently seen first
      } else if (buckets.size >= maxClients) {
        const oldest = buckets.keys().next().value;
        if (oldest !== undefined) buckets.delete(oldest);
      }
      if (tokens >= 1) {
        buckets.set(client, { tokens: tokens - 1, at: t });
        return { allowed: true };
      }
      buckets.set(client, { tokens, at: t });
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)),
      };
    },
  };
}
