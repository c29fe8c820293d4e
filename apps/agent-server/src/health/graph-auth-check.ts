import type { GraphClient } from '@eventkit/core';

export const GRAPH_AUTH_FAILED = 'Graph API authentication failed';

export interface GraphAuthCheckOptions {
  /** How long a result (good or bad) is reused, so probes don't hammer the token endpoint. */
  ttlMs?: number;
  /** Longest a probe may take, retries included: a health endpoint must answer quickly. */
  timeoutMs?: number;
  now?: () => Date;
}

/**
 * A health check (`{ name, run }`, as `createHealthModel` takes them) that passes when the Graph
 * client can obtain an access token and otherwise reports "Graph API authentication failed".
 * Results are cached for `ttlMs`; concurrent probes share one attempt.
 *
 * @example
 * createHealthModel({ version, checks: [manifestCheck, graphAuthCheck(graph)] });
 */
export function graphAuthCheck(
  client: Pick<GraphClient, 'checkAuth'>,
  { ttlMs = 30_000, timeoutMs = 5_000, now = () => new Date() }: GraphAuthCheckOptions = {},
): { name: string; run(): Promise<string | undefined> } {
  let cached: { result: string | undefined; until: number } | undefined;
  let pending: Promise<string | undefined> | undefined;

  async function probe(): Promise<string | undefined> {
    let result: string | undefined;
    try {
      await client.checkAuth({ maxTotalMs: timeoutMs });
      result = undefined;
    } catch {
      result = GRAPH_AUTH_FAILED;
    }
    cached = { result, until: now().getTime() + ttlMs };
    return result;
  }

  return {
    name: 'graph',
    async run() {
      if (cached && now().getTime() < cached.until) return cached.result;
      pending ??= probe().finally(() => {
        pending = undefined;
      });
      return pending;
    },
  };
}
