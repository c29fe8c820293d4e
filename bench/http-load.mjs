// What the HTTP benchmarks (server-load, workers) share: the built agent, a free port, the /recommend request and
// its autocannon load, server CPU time from /proc, and the median of the rounds.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';

const root = new URL('..', import.meta.url).pathname;
/** The agent's package, its built entry point and the bundled sample event the benches serve. */
export const AGENT_DIR = join(root, 'apps/agent-server');
export const AGENT_MAIN = join(AGENT_DIR, 'dist/main.js');
export const SAMPLE_MANIFEST = join(root, 'packages/core/sample-event/agent.json');

/** Exits 2 with the build command when the agent has not been built. */
export function requireBuiltAgent(bench) {
  if (existsSync(AGENT_MAIN)) return;
  console.error(
    `${bench} bench: build first: pnpm exec turbo run build --filter=@eventkit/agent-server...`,
  );
  process.exit(2);
}

/** The request both benches measure: the agent's main answer on the bundled sample event. */
export const RECOMMEND_PATH = '/recommend?interests=agents,ai%20safety,observability&top=5';

/** A port that was free a moment ago (the servers' stderr goes to /dev/null, so no port line). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** `seconds` of GET `path` on 127.0.0.1:`port` with `connections`, one request in flight each. */
export function load(port, { seconds, connections, path = RECOMMEND_PATH }) {
  return autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    connections,
    duration: seconds,
    pipelining: 1,
  });
}

// Server CPU time (user + system) from /proc: unlike req/s it hardly depends on what else the
// machine runs, so it shows the per-request cost on a busy shared host too.
export const CLOCK_TICKS = 100;

function ticksOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  } catch {
    return Number.NaN;
  }
}

/** CPU ticks of `pid` and of its direct children (a cluster primary's workers). */
export function cpuTicks(pid) {
  let children = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
  } catch {}
  return [pid, ...children].reduce((n, p) => n + ticksOf(p), 0);
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
