import { EventKitError } from '../errors.js';

/** Any logger with a `warning` method (the agent's logger, or a function writing to stderr). */
export interface GraphLogger {
  warning(message: string): void;
}

export interface GraphTransportOptions {
  fetch: typeof globalThis.fetch;
  logger: GraphLogger | undefined;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  /** Per attempt, covering the response body too. */
  timeoutMs: number;
  /** Retries after the first attempt, for 429/503/504, timeouts and connection failures. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface GraphResponse {
  status: number;
  headers: Headers;
  body: string;
}

export interface SendOptions {
  /** What is being called, for messages: "Graph token endpoint", "Graph calendarView". */
  what: string;
  /** Epoch ms after which no attempt starts and no retry waits. */
  deadline: number;
  signal?: AbortSignal;
}

const RETRYABLE_STATUS = new Set([429, 503, 504]);

/**
 * Sends one logical request: each attempt has its own timeout (never past the deadline), and
 * throttling or transient failures are retried with exponential backoff and jitter, waiting at
 * least as long as `Retry-After` asks. Any other answer, success or not, is returned as is.
 */
export function createGraphTransport(options: GraphTransportOptions) {
  const { logger, now, sleep } = options;

  async function attempt(
    url: string,
    init: RequestInit,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<GraphResponse> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const response = await options.fetch(url, { ...init, signal: combined });
    // The body is read under the same signal, so a server that stalls mid-body times out too.
    const body = await response.text();
    return { status: response.status, headers: response.headers, body };
  }

  async function send(url: string, init: RequestInit, opts: SendOptions): Promise<GraphResponse> {
    const started = now().getTime();
    for (let attemptNo = 0; ; attemptNo++) {
      const remaining = opts.deadline - now().getTime();
      if (remaining <= 0) throw outOfTime(opts.what, started);
      let reason: string;
      let retryAfterMs: number | undefined;
      let finalError: EventKitError;
      try {
        const response = await attempt(
          url,
          init,
          Math.min(options.timeoutMs, remaining),
          opts.signal,
        );
        if (!RETRYABLE_STATUS.has(response.status)) return response;
        retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now());
        reason = `HTTP ${response.status}`;
        finalError = new EventKitError(
          'UPSTREAM_UNAVAILABLE',
          `${opts.what} is throttling or unavailable (HTTP ${response.status}) after ${attemptNo + 1} attempts; try again later`,
        );
      } catch (error) {
        if (opts.signal?.aborted) throw opts.signal.reason;
        if (isTimeout(error)) {
          reason = 'timeout';
          finalError = new EventKitError(
            'UPSTREAM_UNAVAILABLE',
            `${opts.what} did not answer within ${Math.min(options.timeoutMs, remaining)} ms (attempt ${attemptNo + 1}); try again later`,
          );
        } else {
          reason = 'connection failed';
          finalError = new EventKitError(
            'UPSTREAM_UNAVAILABLE',
            `${opts.what} is unreachable (${describeNetworkError(error)}); check GRAPH_API_URL / GRAPH_AUTHORITY_URL and the network`,
          );
        }
      }
      if (attemptNo >= options.maxRetries) throw finalError;
      const backoff = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attemptNo);
      const jittered = backoff / 2 + options.random() * (backoff / 2);
      const delay = Math.ceil(Math.max(retryAfterMs ?? 0, jittered));
      if (now().getTime() + delay >= opts.deadline) {
        throw new EventKitError(
          'UPSTREAM_UNAVAILABLE',
          `${opts.what}: ${reason}, and waiting ${formatSeconds(delay)} to retry would exceed the ${formatSeconds(opts.deadline - started)} budget; try again later`,
        );
      }
      const label =
        reason === 'timeout'
          ? 'Graph API request timed out, retrying'
          : reason === 'connection failed'
            ? 'Graph API unreachable, retrying'
            : 'Graph API rate limit, retrying';
      logger?.warning(
        `${label} (${opts.what}, ${reason}, attempt ${attemptNo + 2}/${options.maxRetries + 1} in ${formatSeconds(delay)})`,
      );
      await sleep(delay);
    }
  }

  function outOfTime(what: string, started: number) {
    return new EventKitError(
      'UPSTREAM_UNAVAILABLE',
      `${what}: gave up after ${formatSeconds(now().getTime() - started)}, the time budget for one Graph request; try again later`,
    );
  }

  return { send };
}

export type GraphTransport = ReturnType<typeof createGraphTransport>;

/** `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`. */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date names its weekday and month; Date.parse alone would take "-3" or "1.5" as years.
  const date = /^[A-Za-z]{3},/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

// Only the error's code/name: messages of low-level errors can embed request details.
function describeNetworkError(error: unknown): string {
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  return error instanceof Error ? error.name : 'unknown error';
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
