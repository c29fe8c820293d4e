import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { builtBin } from '../bins.js';
import {
  type Child,
  freePort,
  httpGet,
  type ProcessGroup,
  stopChild,
  waitFor,
} from '../processes.js';

/** A port free on every one of `addresses` (each host of the drill listens on the same port). */
export async function portFreeOnAll(addresses: string[]): Promise<number> {
  const bindable = (address: string, port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, address, () => server.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort(addresses[0]).catch((error: NodeJS.ErrnoException) => {
      throw new Error(
        `cannot listen on ${addresses[0]} (${error.code ?? error.message}): the fleet drill needs Linux, whose loopback answers on all of 127.0.0.0/8`,
      );
    });
    let all = true;
    for (const address of addresses.slice(1)) all &&= await bindable(address, port);
    if (all) return port;
  }
  throw new Error(`no port free on all of ${addresses.join(', ')}`);
}

/** The pids whose parent is `pid` (from /proc: Linux only, like the drill's loopback hosts). */
export async function childPids(pid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) pids.push(Number(name));
  }
  return pids.sort((a, b) => a - b);
}

export interface AgentHostOptions {
  group: ProcessGroup;
  /** 1-based; the host is `host-<index>`. */
  index: number;
  /** Its own loopback address, e.g. 127.0.0.2. */
  address: string;
  port: number;
  /** Its working directory (agent.json, telemetry/, logs/). */
  dir: string;
  manifestPath: string;
  telemetryFile: string;
  /** `--workers`; 1 runs the agent as one process. */
  workers: number;
  env: NodeJS.ProcessEnv;
}

/** One agent host of the fleet: started, stopped and killed by the drill, run after run. */
export interface AgentHost {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  readonly manifestPath: string;
  readonly telemetryFile: string;
  readonly workers: number;
  /** The running primary (or only) process, if any. */
  readonly child: Child | undefined;
  /** Exit code or signal of every run that ended. */
  readonly exits: Array<number | NodeJS.Signals>;
  /** Starts it and resolves once /health answers 200 and every worker runs. */
  start(): Promise<void>;
  /** SIGTERM (or `signal`) and the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals>;
  /** The worker processes of the primary (empty with one worker). */
  workerPids(): Promise<number[]>;
}

export function createAgentHost({
  group,
  index,
  address,
  port,
  dir,
  manifestPath,
  telemetryFile,
  workers,
  env,
}: AgentHostOptions): AgentHost {
  const name = `host-${index}`;
  const url = `http://${address}:${port}`;
  const exits: Array<number | NodeJS.Signals> = [];
  let child: Child | undefined;
  let runs = 0;
  const workerPids = async () =>
    workers > 1 && child?.process.pid ? childPids(child.process.pid) : [];
  return {
    name,
    address,
    port,
    url,
    dir,
    manifestPath,
    telemetryFile,
    workers,
    get child() {
      return child;
    },
    exits,
    async start() {
      runs++;
      const started = group.start({
        name: `agent ${name}`,
        command: process.execPath,
        args: [
          builtBin('@eventkit/agent-server'),
          '--host',
          address,
          '--port',
          String(port),
          '--manifest',
          manifestPath,
          ...(workers > 1 ? ['--workers', String(workers)] : []),
        ],
        cwd: dir,
        env: {
          ...env,
          EVENTKIT_INSTANCE: name,
          LOG_FILE: path.join(dir, 'logs', 'agent.log'),
          EVENTKIT_PROFILES: path.join(dir, 'profiles.json'),
        },
        logFile: path.join(dir, `agent.console.${runs}.log`),
      });
      child = started;
      void started.exited.then((code) => exits.push(code));
      await waitFor(
        `${name} healthy`,
        async () => {
          if ((await httpGet(`${url}/health`)).status !== 200) return undefined;
          return workers === 1 || (await workerPids()).length === workers ? true : undefined;
        },
        { child: started, timeoutMs: 30_000 },
      );
    },
    async stop(signal = 'SIGTERM') {
      if (!child) return 0;
      return stopChild(child, signal, 20_000);
    },
    workerPids,
  };
}
