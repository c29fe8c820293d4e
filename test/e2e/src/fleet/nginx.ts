import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Child, httpGet, type ProcessGroup, stopChild, waitFor } from '../processes.js';

export interface NginxSiteTarget {
  /** host:port of each agent, in upstream order. */
  upstreams: string[];
  /** address:port nginx listens on. */
  listen: string;
  accessLog: string;
  errorLog: string;
}

/**
 * Renders the shipped site (deploy/nginx/event-agent.conf) for the drill: the upstream's
 * `server` lines become one per drill agent, keeping the shipped line's parameters
 * (max_fails, fail_timeout, …); the `listen` lines become the drill's one address; the log paths
 * move to the drill's directory. Every other directive is kept as shipped. Throws when the file
 * lacks a piece the drill needs, naming it.
 */
export function renderNginxSite(shipped: string, target: NginxSiteTarget): string {
  const out: string[] = [];
  let inUpstream = false;
  let serversWritten = false;
  let listenWritten = false;
  let accessLogs = 0;
  for (const raw of shipped.split('\n')) {
    const line = raw.trim();
    if (/^upstream\s+\S+\s*\{/.test(line)) inUpstream = true;
    else if (inUpstream && line === '}') inUpstream = false;
    const server = inUpstream ? /^server\s+\S+(.*);/.exec(line) : null;
    if (server) {
      if (!serversWritten) {
        for (const upstream of target.upstreams) out.push(`    server ${upstream}${server[1]};`);
        serversWritten = true;
      }
      continue;
    }
    if (/^listen\s/.test(line)) {
      if (!listenWritten) out.push(`    listen ${target.listen};`);
      listenWritten = true;
      continue;
    }
    const log = /^(\s*)(access_log|error_log)\s+(\S+)(.*)$/.exec(raw);
    if (log && !line.startsWith('#')) {
      const [, indent = '', directive = '', , rest = ''] = log;
      if (directive === 'access_log') accessLogs++;
      const file = directive === 'access_log' ? target.accessLog : target.errorLog;
      out.push(`${indent}${directive} ${file}${rest}`);
      continue;
    }
    out.push(raw);
  }
  if (!serversWritten) throw new Error('the nginx site has no `server` line in an upstream block');
  if (!listenWritten) throw new Error('the nginx site has no `listen` directive');
  if (accessLogs === 0) throw new Error('the nginx site has no access_log (the drill reads it)');
  return out.join('\n');
}

/** One line of the shipped `event_agent` JSON access log. */
export interface AccessLogLine {
  msec: number;
  client: string;
  request: string;
  status: number;
  /** "a:p" or, after a failover, "a:p, b:p" (also "a:p : b:p" across upstream groups). */
  upstream: string;
  upstream_status: string;
}

/** Every line of the access log, in order. */
export async function readAccessLog(file: string): Promise<AccessLogLine[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AccessLogLine);
}

/** The agents nginx tried for one request, with the status each gave ("502" for no answer). */
export function attempts(line: AccessLogLine): Array<{ upstream: string; status: string }> {
  const addresses = line.upstream.split(/\s*[,:]\s+/).filter(Boolean);
  const statuses = line.upstream_status.split(/\s*[,:]\s+/).filter(Boolean);
  return addresses.map((upstream, i) => ({ upstream, status: statuses[i] ?? '-' }));
}

export interface Nginx {
  child: Child;
  url: string;
  accessLog: string;
  stop(): Promise<number | NodeJS.Signals>;
}

export interface StartNginxOptions {
  group: ProcessGroup;
  dir: string;
  /** The shipped site file. */
  site: string;
  upstreams: string[];
  port: number;
}

/** nginx's command line for a config written by `writeNginxConfig`: foreground, all under `dir`. */
export function nginxArgs(dir: string, configFile: string): string[] {
  const errorLog = path.join(dir, 'error.log');
  return [
    '-p',
    dir,
    '-c',
    configFile,
    '-e',
    errorLog,
    '-g',
    `daemon off; pid ${path.join(dir, 'nginx.pid')}; error_log ${errorLog} warn;`,
  ];
}

/**
 * Writes the rendered shipped site and a minimal nginx.conf around it (an http block with temp
 * paths under `dir`); resolves with the main config's path and the access log's.
 */
export async function writeNginxConfig({
  dir,
  site,
  upstreams,
  port,
}: Omit<StartNginxOptions, 'group'>): Promise<{ configFile: string; accessLog: string }> {
  await mkdir(path.join(dir, 'temp'), { recursive: true });
  const accessLog = path.join(dir, 'access.log');
  const rendered = renderNginxSite(await readFile(site, 'utf8'), {
    upstreams,
    listen: `127.0.0.1:${port}`,
    accessLog,
    errorLog: path.join(dir, 'site-error.log'),
  });
  const sitePath = path.join(dir, 'event-agent.conf');
  await writeFile(sitePath, rendered);
  const temp = (name: string) => path.join(dir, 'temp', name);
  const main = [
    // As root (Debian's nginx in CI), workers would switch to www-data, which cannot enter the
    // drill's private temp directory.
    ...(process.getuid?.() === 0 ? ['user root;'] : []),
    'worker_processes 1;',
    'events { worker_connections 1024; }',
    'http {',
    `  client_body_temp_path ${temp('body')};`,
    `  proxy_temp_path ${temp('proxy')};`,
    `  fastcgi_temp_path ${temp('fastcgi')};`,
    `  uwsgi_temp_path ${temp('uwsgi')};`,
    `  scgi_temp_path ${temp('scgi')};`,
    // nginx closes a client's keep-alive connection after 1000 requests; autocannon then loses
    // track of which answer belongs to which request of its mix. Clients, not the site, differ.
    '  keepalive_requests 1000000;',
    `  include ${sitePath};`,
    '}',
    '',
  ].join('\n');
  const configFile = path.join(dir, 'nginx.conf');
  await writeFile(configFile, main);
  return { configFile, accessLog };
}

/**
 * Starts Debian's nginx in the foreground on 127.0.0.1:`port`, everything (pid, logs, temp
 * files) under `dir`, serving the rendered shipped site; resolves once a request through it
 * reaches an agent.
 */
export async function startNginx({
  group,
  dir,
  site,
  upstreams,
  port,
}: StartNginxOptions): Promise<Nginx> {
  const { configFile, accessLog } = await writeNginxConfig({ dir, site, upstreams, port });
  const errorLog = path.join(dir, 'error.log');
  const child = group.start({
    name: 'nginx',
    command: 'nginx',
    args: nginxArgs(dir, configFile),
    logFile: path.join(dir, 'nginx.console.log'),
    killSignal: 'SIGTERM',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    'nginx proxying to an agent',
    async () => ((await httpGet(`${url}/livez`)).status === 200 ? true : undefined),
    { child, timeoutMs: 15_000 },
  ).catch(async (error: Error) => {
    const log = await readFile(errorLog, 'utf8').catch(() => '');
    throw new Error(`${error.message}\n${log.slice(-2000)}`);
  });
  return { child, url, accessLog, stop: () => stopChild(child, 'SIGQUIT', 10_000) };
}
