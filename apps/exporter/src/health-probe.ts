import { probeHealth } from '@eventkit/core/telemetry';

export interface HealthProbeOptions {
  /** The agent's base URL (its /health is probed) or a health URL with a path (used as given). */
  url: string;
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

/**
 * `event_agent_health_up` from core's `probeHealth`: 1 when the agent answers healthy within the
 * timeout, else 0. Never throws, so a dead agent reads as 0.
 */
export function createHealthProbe({
  url,
  timeoutMs = 2000,
  fetch = globalThis.fetch,
}: HealthProbeOptions): () => Promise<number> {
  return async () => ((await probeHealth(url, { timeoutMs, fetch })).state === 'healthy' ? 1 : 0);
}
