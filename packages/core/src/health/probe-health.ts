/** How one probe found the service: `down` when it did not answer at all. */
export type HealthState = 'healthy' | 'unhealthy' | 'down';

export interface HealthProbe {
  /** The URL that was asked (see `healthUrl`). */
  url: string;
  state: HealthState;
  /** HTTP status, when the server answered. */
  http_status?: number;
  /** The answer's JSON body, when it was JSON. */
  body?: unknown;
  /** Why it is not healthy, in one line: the server's errors, or why it could not be reached. Empty when healthy. */
  detail: string;
}

export interface ProbeHealthOptions {
  /** How long the whole answer may take. Default 2000 ms. */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

/**
 * The URL a probe of `url` asks: a base URL (no path, or `/`) means its `/health`; a URL with
 * any other path is used as given. So `http://127.0.0.1:8000` and
 * `http://127.0.0.1:8000/health` probe the same endpoint, and `http://host/status` probes
 * `/status`. A query string is kept.
 *
 * @example
 * healthUrl('http://127.0.0.1:8000');      // 'http://127.0.0.1:8000/health'
 * healthUrl('http://127.0.0.1:8000/ping'); // 'http://127.0.0.1:8000/ping'
 */
export function healthUrl(url: string): string {
  const parsed = httpUrl(url);
  if (!parsed) return url;
  if (parsed.pathname === '/') parsed.pathname = '/health';
  return parsed.toString();
}

function httpUrl(url: string): URL | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Asks an Event Kit agent's health endpoint once (GET, URL rule of `healthUrl`) and never throws.
 * Healthy means a 2xx answer, complete within `timeoutMs`, whose JSON says `"status":"healthy"`;
 * any other answer is unhealthy, and no answer (refused, unknown host, timeout, not an http(s)
 * URL) is down. The CLI's `eventkit health` and dashboard and the exporter's
 * `event_agent_health_up` all use it.
 *
 * @example
 * const probe = await probeHealth('http://127.0.0.1:8000', { timeoutMs: 2000 });
 * if (probe.state !== 'healthy') console.error(`${probe.url}: ${probe.state} (${probe.detail})`);
 */
export async function probeHealth(
  url: string,
  { timeoutMs = 2000, fetch = globalThis.fetch }: ProbeHealthOptions = {},
): Promise<HealthProbe> {
  if (!httpUrl(url)) {
    return { url, state: 'down', detail: `not an http(s) URL: ${JSON.stringify(url)}` };
  }
  const target = healthUrl(url);
  const within = `within ${timeoutMs / 1000}s`;
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(target, { signal, headers: { accept: 'application/json' } });
  } catch (error) {
    return { url: target, state: 'down', detail: unreachable(error, within) };
  }
  const http = `HTTP ${response.status}`;
  const unhealthy = (detail: string, body?: unknown): HealthProbe => ({
    url: target,
    state: 'unhealthy',
    http_status: response.status,
    ...(body === undefined ? {} : { body }),
    detail,
  });
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    const reason = isTimeout(error) ? `no complete answer ${within}` : 'answer cut off';
    return unhealthy(`${http}, ${reason}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const start = oneLine(text);
    return unhealthy(`${http}, not a JSON health answer${start ? `: ${start}` : ''}`);
  }
  const { status, errors } = (body ?? {}) as { status?: unknown; errors?: unknown };
  if (response.ok && status === 'healthy') {
    return { url: target, state: 'healthy', http_status: response.status, body, detail: '' };
  }
  const detail =
    Array.isArray(errors) && errors.length > 0
      ? errors.map((error) => oneLine(String(error))).join('; ')
      : status === undefined
        ? `${http}, no "status" in the answer`
        : `${http}, status ${JSON.stringify(status)}`;
  return unhealthy(detail, body);
}

function isTimeout(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'TimeoutError';
}

function unreachable(error: unknown, within: string): string {
  if (isTimeout(error)) return `no answer ${within}`;
  const { message, cause } = error as {
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (cause?.code === 'ECONNREFUSED') return 'connection refused (is the agent running?)';
  if (cause?.code === 'ENOTFOUND') return 'host not found (check the URL)';
  return oneLine(cause?.message ?? message ?? String(error));
}

/** The start of `text` on one line, for a detail that must stay one line. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 120);
}
