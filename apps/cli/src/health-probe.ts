import { formatElapsed } from './number-format.js';

export type HealthState = 'healthy' | 'unhealthy' | 'down';

export interface HealthProbe {
  url: string;
  state: HealthState;
  /** HTTP status, when the server answered. */
  http_status?: number;
  /** The JSON body of /health, when it was JSON. */
  body?: unknown;
  /** One line for humans: the server's errors, or why it could not be reached. */
  detail: string;
}

/** `http://host:8000` and `http://host:8000/` mean its /health; any other path is used as given. */
export function healthUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/health';
  return parsed.toString();
}

/** GET /health once: healthy only for a 2xx answer whose JSON says `"status":"healthy"`. */
export async function probeHealth(
  fetchFn: typeof fetch,
  url: string,
  timeoutMs: number,
): Promise<HealthProbe> {
  const target = healthUrl(url);
  let response: Response;
  try {
    response = await fetchFn(target, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json' },
    });
  } catch (error) {
    return { url: target, state: 'down', detail: describeFetchError(error, timeoutMs) };
  }
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const status = (body as { status?: unknown } | undefined)?.status;
  if (response.ok && status === 'healthy') {
    const { version, uptime_seconds } = body as { version?: string; uptime_seconds?: number };
    const parts = [
      version ? `version ${version}` : undefined,
      typeof uptime_seconds === 'number' ? `up ${formatElapsed(uptime_seconds)}` : undefined,
    ].filter(Boolean);
    return {
      url: target,
      state: 'healthy',
      http_status: response.status,
      body,
      detail: parts.join(', '),
    };
  }
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  const detail = Array.isArray(errors)
    ? errors.map(String).join('; ')
    : body === undefined
      ? `HTTP ${response.status}, not a JSON health answer: ${text.slice(0, 120)}`
      : `HTTP ${response.status}, status ${JSON.stringify(status)}`;
  return { url: target, state: 'unhealthy', http_status: response.status, body, detail };
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  const err = error as {
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (err.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000}s`;
  if (err.cause?.code === 'ECONNREFUSED') return 'connection refused (is the agent running?)';
  if (err.cause?.code === 'ENOTFOUND') return 'host not found (check --url)';
  return err.cause?.message ?? err.message ?? String(error);
}
