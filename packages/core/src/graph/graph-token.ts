import { EventKitError } from '../errors.js';
import type { GraphConfig } from './graph-config.js';
import type { GraphTransport, SendOptions } from './graph-transport.js';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/** Refresh this long before `expires_in` runs out, so a token never expires mid-request. */
const EXPIRY_MARGIN_MS = 5 * 60_000;

export interface TokenSource {
  /** A valid access token, from the cache or a fresh client-credentials exchange. */
  get(send: Omit<SendOptions, 'what'>): Promise<string>;
  /** Drops `token` from the cache (after Graph answered 401 with it). */
  invalidate(token: string): void;
}

/**
 * OAuth2 client-credentials flow against `{authority}/{tenant}/oauth2/v2.0/token`. Concurrent
 * callers share one exchange; the token is cached until shortly before it expires.
 */
export function createTokenSource(
  config: GraphConfig,
  transport: GraphTransport,
  now: () => Date,
): TokenSource {
  const url = `${config.authorityUrl}/${encodeURIComponent(config.tenantId)}/oauth2/v2.0/token`;
  let cached: { token: string; refreshAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function exchange(send: Omit<SendOptions, 'what'>): Promise<string> {
    const what = 'Graph token endpoint';
    const response = await transport.send(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({
          client_id: config.clientId,
          client_secret: config.clientSecret,
          scope: GRAPH_SCOPE,
          grant_type: 'client_credentials',
        }).toString(),
      },
      { ...send, what },
    );
    const json = parseJsonObject(response.body);
    if (response.status !== 200) {
      const code = safeCode(json?.error);
      const aadsts =
        typeof json?.error_description === 'string'
          ? /AADSTS\d+/.exec(json.error_description)?.[0]
          : undefined;
      const detail = [code, aadsts].filter(Boolean).join(', ') || 'no error code';
      const rejected = response.status === 400 || response.status === 401;
      throw new EventKitError(
        rejected ? 'UPSTREAM_AUTH_FAILED' : 'UPSTREAM_FAILED',
        rejected
          ? `Graph authentication failed: the token endpoint rejected the client credentials (HTTP ${response.status}, ${detail}); check GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET`
          : `Graph token endpoint answered HTTP ${response.status} (${detail})`,
      );
    }
    const token = json?.access_token;
    const expiresIn = Number(json?.expires_in);
    if (
      typeof token !== 'string' ||
      token === '' ||
      !Number.isFinite(expiresIn) ||
      expiresIn <= 0
    ) {
      throw new EventKitError(
        'UPSTREAM_FAILED',
        `Graph token endpoint returned a malformed token response (${json ? 'missing access_token or expires_in' : 'not a JSON object'}, ${response.body.length} bytes)`,
      );
    }
    const lifetimeMs = expiresIn * 1000;
    // Short-lived tokens (tests, some proxies) are refreshed at half their life instead.
    const margin = Math.min(EXPIRY_MARGIN_MS, lifetimeMs / 2);
    cached = { token, refreshAt: now().getTime() + lifetimeMs - margin };
    return token;
  }

  return {
    async get(send) {
      if (cached && now().getTime() < cached.refreshAt) return cached.token;
      pending ??= exchange(send).finally(() => {
        pending = undefined;
      });
      return pending;
    },
    invalidate(token) {
      if (cached?.token === token) cached = undefined;
    },
  };
}

export function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** An upstream error code, only if it looks like one: never echo free text from a response. */
export function safeCode(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(value) ? value : undefined;
}
