import { availableParallelism, homedir, hostname as osHostname } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EventKitError, type GraphConfig, graphConfigFromEnv } from '@eventkit/core';
import { SAMPLE_MANIFEST_PATH } from '@eventkit/core/manifest';
import { parseTrustProxy } from './client-address.js';
import type { LogLevel } from './logging/log-format.js';
import { parseLogLevel } from './logging/logger.js';

export type TracesExporterName = 'none' | 'console' | 'otlp';

/** Everything the server reads from flags and the environment, validated. */
export interface ServerConfig {
  port: number;
  host: string;
  manifestPath: string;
  apiToken: string | undefined;
  logLevel: LogLevel;
  /** undefined = console only (`LOG_FILE=`). */
  logFile: string | undefined;
  traces: { exporter: TracesExporterName; endpoint: string; scheduledDelayMillis: number };
  serviceName: string;
  /** 0 turns rate limiting off. */
  rateLimitPerMinute: number;
  rateLimitBurst: number;
  /** TRUST_PROXY entries whose X-Forwarded-For is believed; empty = the header is ignored. */
  trustProxy: string[];
  /** undefined = agent.json's `profile.storage_file`, else `~/.event_agent_profiles.json`. */
  profilesFile: string | undefined;
  maxBodyBytes: number;
  maxUrlBytes: number;
  shutdownTimeoutMs: number;
  /** How long /readyz reports "draining" before the listener closes (load balancer catch-up). */
  shutdownDelayMs: number;
  /** Worker processes sharing the port (`--workers` / `WEB_CONCURRENCY`); 1 = no cluster. */
  workers: number;
  /** `EVENTKIT_INSTANCE`, default the hostname; worker k of several appends `-w<k>`. */
  instance: string;
  /** Most saved profiles (`PROFILE_STORE_MAX`); the least recently used beyond it are evicted. */
  profileStoreMax: number;
  /** Microsoft Graph source (GRAPH_*); undefined = off. */
  graph?: GraphConfig | undefined;
  /** How long a user's Graph calendar is reused (GRAPH_CACHE_TTL_SECONDS); 0 = off. */
  graphCacheTtlSeconds: number;
}

export const HELP = `Usage: event-agent-server [options]

Serves the Event Kit agent over HTTP: GET /recommend, /recommend-graph, /explain, /export,
/health, /livez, /readyz.

Options:
  --port <n>          port to listen on (env PORT, default 8000; 0 picks a free port)
  --host <addr>       address to bind (env HOST, default 127.0.0.1; use 0.0.0.0 in containers)
  --manifest <path>   agent.json to serve (env EVENTKIT_MANIFEST, default: the bundled sample event)
  --workers <n|auto>  worker processes sharing the port (env WEB_CONCURRENCY, default 1; auto =
                      one per CPU). Worker k writes telemetry-w<k>.jsonl beside the configured
                      telemetry file; a worker that dies is restarted
  -h, --help          show this help

Environment:
  API_TOKEN                    require "Authorization: Bearer <token>" (health routes exempt)
  LOG_LEVEL                    DEBUG, INFO (default), WARNING, ERROR, CRITICAL
  LOG_FILE                     application log (default ~/.event_agent.log; empty = console only)
  OTEL_TRACES_EXPORTER         none (default), console or otlp
  OTEL_EXPORTER_OTLP_ENDPOINT  OTLP/HTTP base URL (default http://localhost:4318; /v1/traces is appended)
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT  full OTLP/HTTP traces URL (wins over the base URL)
  OTEL_SERVICE_NAME            service.name of the spans (default event-agent)
  RATE_LIMIT_PER_MINUTE        requests per client address and minute (default 600; 0 = off)
  RATE_LIMIT_BURST             bucket size: requests a client may send at once (default 100)
  TRUST_PROXY                  proxies whose X-Forwarded-For is believed: comma-separated
                               addresses, CIDRs, loopback, linklocal, uniquelocal (default none:
                               the header is ignored). The client is the right-most untrusted
                               address; behind a proxy, without it every request counts as the
                               proxy's and the whole service shares one client's rate limit
  EVENTKIT_INSTANCE            this process's name in telemetry (instance) and log lines
                               (default the hostname; worker k appends -w<k>)
  EVENTKIT_PROFILES            profile store (default agent.json's profile.storage_file, else
                               ~/.event_agent_profiles.json): one file per profile in the
                               directory of that name with .json replaced by .d
  PROFILE_STORE_MAX            most saved profiles, least recently used evicted (default 1000)
  MAX_BODY_BYTES, MAX_URL_BYTES  request size limits (default 65536 and 8192)
  SHUTDOWN_TIMEOUT_MS          how long SIGTERM waits for in-flight requests (default 10000)
  SHUTDOWN_DELAY_MS            after SIGTERM, keep serving with /readyz at 503 this long before
                               closing the listener, so balancers stop routing first (default 0)
  GRAPH_TENANT_ID, GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET
                               Microsoft Graph app credentials: enable /recommend?source=graph
                               (&userId=…&start=…&end=…) and the Graph check of /health
  GRAPH_USER_ID                default calendar owner for source=graph
  GRAPH_CACHE_TTL_SECONDS      reuse a user's calendar window this long (default 60; 0 = off)
  GRAPH_AUTHORITY_URL, GRAPH_API_URL  token and API base URLs (default the public cloud)

Signals: SIGTERM/SIGINT drain and exit 0; SIGHUP reopens LOG_FILE (for logrotate). With
--workers, the primary passes SIGTERM and SIGHUP on to every worker and exits 0 once all drained.
Exit codes: 0 ok, 1 start-up failure (e.g. port in use), 2 bad flag or setting,
3 unreadable input or a bad manifest.
`;

export type ConfigResult = { help: true } | { help: false; config: ServerConfig };

function invalid(message: string): never {
  throw new EventKitError('INVALID_INPUT', message);
}

function integer(
  raw: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
) {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    invalid(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

const MAX_WORKERS = 1024;

function workerCount(raw: string | undefined, name: string): number {
  const value = raw?.trim() ?? '';
  if (value === '') return 1;
  if (value.toLowerCase() === 'auto') return availableParallelism();
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_WORKERS) {
    invalid(`${name} must be auto or a whole number from 1 to ${MAX_WORKERS} (got "${raw}")`);
  }
  return Number(value);
}

// Room for the `-w<k>` suffix within the telemetry schema's limit; no spaces or brackets, so the
// name stays one token in log lines (`event_agent[web1-w2]`).
const INSTANCE_RE = /^[\w.:@-]{1,190}$/;

function instanceName(raw: string | undefined, hostname: string): string {
  const explicit = raw?.trim();
  if (explicit) {
    if (!INSTANCE_RE.test(explicit)) {
      invalid(
        `EVENTKIT_INSTANCE must be 1-190 letters, digits, "_", ".", ":", "@" or "-" (got "${raw}")`,
      );
    }
    return explicit;
  }
  return hostname.replace(/[^\w.:@-]/g, '-').slice(0, 190) || 'localhost';
}

function trustProxy(raw: string | undefined): string[] {
  try {
    return parseTrustProxy(raw ?? '');
  } catch (error) {
    return invalid(`TRUST_PROXY: ${(error as Error).message}; see --help`);
  }
}

function expandHome(file: string, home: string): string {
  return file === '~' || file.startsWith('~/') ? path.join(home, file.slice(1)) : file;
}

function tracesExporter(raw: string | undefined): TracesExporterName {
  const value = (raw ?? 'none').trim().toLowerCase() || 'none';
  if (value === 'none' || value === 'console' || value === 'otlp') return value;
  return invalid(`OTEL_TRACES_EXPORTER must be none, console or otlp (got "${raw}")`);
}

function tracesEndpoint(env: NodeJS.ProcessEnv): string {
  const explicit = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (explicit) return explicit;
  const base = (env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || 'http://localhost:4318').replace(
    /\/+$/,
    '',
  );
  return `${base}/v1/traces`;
}

/**
 * Reads flags and environment (DESIGN.md "Environment and files"). Throws
 * `EventKitError('INVALID_INPUT')` naming the flag or variable that is wrong.
 */
export function readServerConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string = process.cwd(),
  home: string = homedir(),
  hostname: string = osHostname(),
): ConfigResult {
  let values: {
    port?: string;
    host?: string;
    manifest?: string;
    workers?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        manifest: { type: 'string' },
        workers: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return invalid(`${(error as Error).message}; see --help`);
  }
  if (values.help) return { help: true };

  const logFileRaw = env.LOG_FILE ?? '~/.event_agent.log';
  const manifest = values.manifest ?? env.EVENTKIT_MANIFEST;
  const profiles = env.EVENTKIT_PROFILES?.trim();
  return {
    help: false,
    config: {
      port: integer(values.port ?? env.PORT, values.port ? '--port' : 'PORT', 8000, 0, 65535),
      host: (values.host ?? env.HOST)?.trim() || '127.0.0.1',
      manifestPath: manifest ? path.resolve(cwd, expandHome(manifest, home)) : SAMPLE_MANIFEST_PATH,
      apiToken: env.API_TOKEN ? env.API_TOKEN : undefined,
      logLevel: parseLogLevel(env.LOG_LEVEL ?? 'INFO', 'LOG_LEVEL'),
      logFile: logFileRaw.trim()
        ? path.resolve(cwd, expandHome(logFileRaw.trim(), home))
        : undefined,
      traces: {
        exporter: tracesExporter(env.OTEL_TRACES_EXPORTER),
        endpoint: tracesEndpoint(env),
        scheduledDelayMillis: integer(
          env.OTEL_BSP_SCHEDULE_DELAY,
          'OTEL_BSP_SCHEDULE_DELAY',
          1000,
          1,
          600_000,
        ),
      },
      serviceName: env.OTEL_SERVICE_NAME?.trim() || 'event-agent',
      rateLimitPerMinute: integer(env.RATE_LIMIT_PER_MINUTE, 'RATE_LIMIT_PER_MINUTE', 600, 0, 1e9),
      rateLimitBurst: integer(env.RATE_LIMIT_BURST, 'RATE_LIMIT_BURST', 100, 1, 1e9),
      trustProxy: trustProxy(env.TRUST_PROXY),
      profilesFile: profiles ? path.resolve(cwd, expandHome(profiles, home)) : undefined,
      maxBodyBytes: integer(env.MAX_BODY_BYTES, 'MAX_BODY_BYTES', 65_536, 0, 1 << 30),
      maxUrlBytes: integer(env.MAX_URL_BYTES, 'MAX_URL_BYTES', 8192, 256, 1 << 20),
      shutdownTimeoutMs: integer(
        env.SHUTDOWN_TIMEOUT_MS,
        'SHUTDOWN_TIMEOUT_MS',
        10_000,
        0,
        600_000,
      ),
      shutdownDelayMs: integer(env.SHUTDOWN_DELAY_MS, 'SHUTDOWN_DELAY_MS', 0, 0, 600_000),
      workers: workerCount(
        values.workers ?? env.WEB_CONCURRENCY,
        values.workers !== undefined ? '--workers' : 'WEB_CONCURRENCY',
      ),
      instance: instanceName(env.EVENTKIT_INSTANCE, hostname),
      profileStoreMax: integer(env.PROFILE_STORE_MAX, 'PROFILE_STORE_MAX', 1000, 1, 1_000_000),
      graph: graphConfigFromEnv(env),
      graphCacheTtlSeconds: integer(
        env.GRAPH_CACHE_TTL_SECONDS,
        'GRAPH_CACHE_TTL_SECONDS',
        60,
        0,
        86_400,
      ),
    },
  };
}
