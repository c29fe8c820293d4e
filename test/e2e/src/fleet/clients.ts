import { Agent, request } from 'node:http';

/** What one client saw. */
export interface ClientResult {
  name: string;
  localAddress: string;
  path: string;
  byStatus: Record<string, number>;
  responses: number;
  /** Requests that ended without a response. */
  errors: number;
  firstError?: string;
}

export interface ClientOptions {
  name: string;
  /** The client's own source address (127.0.0.5 …): what nginx reports as $remote_addr. */
  localAddress: string;
  /** The proxy's base URL. */
  url: string;
  path: string;
  headers?: Record<string, string>;
  /** Requests in flight at once, each sent as soon as the previous answered. */
  concurrency?: number;
  /** Pause after each answer (0 = as fast as it can). */
  pauseMs?: number;
  /** Stops the client once settled; in-flight requests are answered first. */
  until: Promise<unknown>;
}

function get(
  agent: Agent,
  url: URL,
  headers: Record<string, string>,
): Promise<{ status: number } | { error: string }> {
  return new Promise((resolve) => {
    const req = request(url, { agent, headers, timeout: 30_000 }, (res) => {
      res.resume();
      res.once('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.once('error', (error) => resolve({ error: error.message }));
    });
    req.once('timeout', () => req.destroy(new Error('timed out after 30 s')));
    req.once('error', (error) => resolve({ error: error.message }));
    req.end();
  });
}

/**
 * One client of the proxy with an address of its own (http.Agent `localAddress`): autocannon
 * connects from 127.0.0.1 only, and the rate limiter tells clients apart by address. Keep-alive,
 * like a browser.
 */
export async function runClient({
  name,
  localAddress,
  url,
  path,
  headers = {},
  concurrency = 1,
  pauseMs = 0,
  until,
}: ClientOptions): Promise<ClientResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, localAddress });
  const result: ClientResult = {
    name,
    localAddress,
    path,
    byStatus: {},
    responses: 0,
    errors: 0,
  };
  let stopped = false;
  const pauses = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  const stop = () => {
    stopped = true;
    for (const pause of pauses) {
      clearTimeout(pause.timer);
      pause.resolve();
    }
  };
  void until.then(stop, stop);
  const target = new URL(path, url);
  const loop = async () => {
    while (!stopped) {
      const answer = await get(agent, target, headers);
      if ('status' in answer) {
        result.responses++;
        result.byStatus[answer.status] = (result.byStatus[answer.status] ?? 0) + 1;
      } else {
        result.errors++;
        result.firstError ??= answer.error;
      }
      if (pauseMs > 0 && !stopped) {
        await new Promise<void>((resolve) => {
          const pause = { timer: setTimeout(() => done(), pauseMs), resolve: () => done() };
          const done = () => {
            pauses.delete(pause);
            resolve();
          };
          pauses.add(pause);
        });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, loop));
  } finally {
    agent.destroy();
  }
  return result;
}
