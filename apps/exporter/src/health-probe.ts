export interface HealthProbeOptions {
  url: string;
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

/**
 * Probes the agent's `/health`: 1 when it answers 2xx with `"status":"healthy"` within the
 * timeout, else 0. Never throws, so a dead agent reads as `event_agent_health_up 0`.
 */
export function createHealthProbe({
  url,
  timeoutMs = 2000,
  fetch = globalThis.fetch,
}: HealthProbeOptions): () => Promise<number> {
  return async () => {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      const body = (await response.json().catch(() => undefined)) as
        | { status?: unknown }
        | undefined;
      return response.ok && body?.status === 'healthy' ? 1 : 0;
    } catch {
      return 0;
    }
  };
}
