import { type HealthProbe, probeHealth } from '@eventkit/core/telemetry';
import { formatElapsed } from './number-format.js';

/**
 * Core's `probeHealth` (a base URL means its /health, a URL with a path is used as given),
 * with a healthy answer's version and uptime as the detail line.
 */
export async function probeAgentHealth(
  fetch: typeof globalThis.fetch,
  url: string,
  timeoutMs: number,
): Promise<HealthProbe> {
  const probe = await probeHealth(url, { fetch, timeoutMs });
  if (probe.state !== 'healthy') return probe;
  const { version, uptime_seconds } = probe.body as { version?: unknown; uptime_seconds?: unknown };
  const parts = [
    typeof version === 'string' && version ? `version ${version}` : undefined,
    typeof uptime_seconds === 'number' ? `up ${formatElapsed(uptime_seconds)}` : undefined,
  ].filter(Boolean);
  return { ...probe, detail: parts.join(', ') };
}
