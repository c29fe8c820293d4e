import autocannon from 'autocannon';

/** What one kind of request in the mix should leave in telemetry. */
export interface RequestKind {
  name: string;
  path: string;
  /** Telemetry `action` the agent must log for it. */
  action: string;
  /** HTTP status the agent must answer with. */
  status: number;
  headers: Record<string, string>;
}

/**
 * The drill's request mix: valid recommend/explain/export (Markdown and iCalendar), invalid
 * input (400), missing and wrong credentials (401) and unknown routes (404), in a fixed cycle.
 */
export function requestMix(token: string, explainTitle: string): RequestKind[] {
  const auth = { authorization: `Bearer ${token}` };
  const title = encodeURIComponent(explainTitle);
  return [
    {
      name: 'recommend',
      path: '/recommend?interests=agents,ai%20safety&top=5',
      action: 'recommend',
      status: 200,
      headers: auth,
    },
    {
      name: 'recommend-card',
      path: '/recommend?interests=observability;slo&top=3&card=1',
      action: 'recommend',
      status: 200,
      headers: auth,
    },
    {
      name: 'explain',
      path: `/explain?session=${title}&interests=agents,gen%20ai`,
      action: 'explain',
      status: 200,
      headers: auth,
    },
    {
      name: 'export-markdown',
      path: '/export?interests=security,privacy&format=markdown',
      action: 'export',
      status: 200,
      headers: auth,
    },
    {
      name: 'export-ics',
      path: '/export?interests=rag,search&format=ics&top=4',
      action: 'export',
      status: 200,
      headers: auth,
    },
    {
      name: 'recommend-bad-top',
      path: '/recommend?interests=agents&top=999',
      action: 'recommend',
      status: 400,
      headers: auth,
    },
    {
      name: 'recommend-no-interests',
      path: '/recommend?interests=',
      action: 'recommend',
      status: 400,
      headers: auth,
    },
    {
      name: 'explain-no-session',
      path: '/explain?interests=agents',
      action: 'explain',
      status: 400,
      headers: auth,
    },
    {
      name: 'export-bad-format',
      path: '/export?interests=agents&format=pdf',
      action: 'export',
      status: 400,
      headers: auth,
    },
    {
      name: 'no-token',
      path: '/recommend?interests=agents',
      action: 'unauthorized',
      status: 401,
      headers: {},
    },
    {
      name: 'wrong-token',
      path: '/export?interests=agents',
      action: 'unauthorized',
      status: 401,
      headers: { authorization: 'Bearer not-the-token' },
    },
    {
      name: 'basic-scheme',
      path: '/explain?session=x',
      action: 'unauthorized',
      status: 401,
      headers: { authorization: `Basic ${token}` },
    },
    {
      name: 'unknown-route',
      path: '/admin/../etc/passwd',
      action: 'unknown',
      status: 404,
      headers: auth,
    },
    {
      name: 'unknown-route-2',
      path: '/recommendations?interests=agents',
      action: 'unknown',
      status: 404,
      headers: auth,
    },
  ];
}

export interface LoadResult {
  /** Responses by request kind and status, e.g. `{ recommend: { '200': 812 } }`. */
  byKind: Record<string, Record<string, number>>;
  /** Responses by HTTP status. */
  byStatus: Record<string, number>;
  responses: number;
  /** Requests that ended without a response (connection errors, timeouts). */
  errors: number;
  timeouts: number;
  elapsedSeconds: number;
  requestsPerSecond: number;
  /** Responses per whole second of the run (min and median say whether the rate held). */
  perSecond: number[];
  latencyMs: { p50: number; p99: number; max: number };
}

export interface LoadOptions {
  url: string;
  kinds: RequestKind[];
  durationMs: number;
  connections?: number;
  /** Stops the run (gracefully, as at `durationMs`) once it settles, if that comes first. */
  until?: Promise<unknown>;
  /**
   * One cycle of requests is the mix repeated `repeat` times; the request at position i of the
   * cycle gets the extra headers `headersFor(kind, i)` (e.g. a different `X-Forwarded-For`),
   * which win over the kind's own. Built once: rebuilding each request as it is sent (autocannon's
   * setupRequest) slows the load generator down several times.
   */
  repeat?: number;
  headersFor?: (kind: RequestKind, position: number) => Record<string, string>;
  /** Called once a second with the responses so far (progress lines). */
  onTick?: (responses: number, elapsedMs: number) => void;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? 0;
}

/**
 * Runs autocannon against `url` for `durationMs` and then stops *gracefully*: every connection
 * finishes its in-flight request before closing, so each request the agent answered is also a
 * response counted here (autocannon's own duration stop would drop the in-flight ones).
 */
export async function runLoad({
  url,
  kinds,
  durationMs,
  connections = 16,
  until,
  repeat = 1,
  headersFor,
  onTick,
}: LoadOptions): Promise<LoadResult> {
  const byKind: Record<string, Record<string, number>> = {};
  const byStatus: Record<string, number> = {};
  const latencies: number[] = [];
  const clients: Array<{ reqsMade: number; responseMax: number }> = [];
  const perSecond: number[] = [];
  let responses = 0;
  let lastTick = 0;

  const cycle = Array.from({ length: repeat }, () => kinds).flat();
  const requests = cycle.map((kind, position) => ({
    method: 'GET' as const,
    path: kind.path,
    headers: { ...kind.headers, ...headersFor?.(kind, position) },
    onResponse: (status: number) => {
      const counts = byKind[kind.name] ?? {};
      counts[status] = (counts[status] ?? 0) + 1;
      byKind[kind.name] = counts;
    },
  }));

  const started = Date.now();
  let finish: (error: Error | null, result: autocannon.Result) => void = () => {};
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    finish = (error, result) => (error ? reject(error) : resolve(result));
  });
  const instance = autocannon(
    {
      url,
      connections,
      // A count large enough never to be reached: the run ends by draining below.
      amount: 1_000_000_000,
      timeout: 30,
      requests,
      setupClient: (client: unknown) => {
        clients.push(client as { reqsMade: number; responseMax: number });
      },
    },
    (error, result) => finish(error, result),
  );
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, ms: number) => {
    responses++;
    byStatus[statusCode] = (byStatus[statusCode] ?? 0) + 1;
    latencies.push(ms);
  });
  const ticker = setInterval(() => {
    perSecond.push(responses - lastTick);
    lastTick = responses;
    onTick?.(responses, Date.now() - started);
  }, 1000);
  // Each client closes after the response to the request it has in flight.
  const stop = () => {
    for (const client of clients) client.responseMax = Math.max(1, client.reqsMade);
  };
  const stopper = setTimeout(stop, durationMs);
  void until?.then(stop, stop);

  let result: autocannon.Result;
  try {
    result = await finished;
  } finally {
    clearInterval(ticker);
    clearTimeout(stopper);
  }
  const elapsedSeconds = (Date.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    byKind,
    byStatus,
    responses,
    errors: result.errors,
    timeouts: result.timeouts,
    elapsedSeconds,
    requestsPerSecond: responses / Math.max(0.001, until ? elapsedSeconds : durationMs / 1000),
    perSecond,
    latencyMs: {
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.length > 0 ? (sorted[sorted.length - 1] ?? 0) : 0,
    },
  };
}
