import { availableParallelism } from 'node:os';
import path from 'node:path';
import { SAMPLE_MANIFEST_PATH } from '@eventkit/core/manifest';
import { describe, expect, it } from 'vitest';
import { readServerConfig } from './config.js';

const read = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const result = readServerConfig(argv, env, '/srv/agent', '/home/ada', 'web1');
  if (result.help) throw new Error('unexpected --help');
  return result.config;
};

describe('readServerConfig', () => {
  it('defaults to port 8000 on 127.0.0.1 with the sample event and ~/.event_agent.log', () => {
    expect(read([])).toMatchObject({
      port: 8000,
      host: '127.0.0.1',
      manifestPath: SAMPLE_MANIFEST_PATH,
      logFile: '/home/ada/.event_agent.log',
      logLevel: 'INFO',
      apiToken: undefined,
      traces: { exporter: 'none', endpoint: 'http://localhost:4318/v1/traces' },
      rateLimitPerMinute: 600,
      rateLimitBurst: 100,
      trustProxy: [],
    });
  });

  it('reads TRUST_PROXY as a list of addresses, CIDRs and range names', () => {
    expect(read([], { TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::1' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::1',
    ]);
  });

  it('lets flags win over the environment', () => {
    const config = read(
      ['--port', '9001', '--manifest', 'events/agent.json', '--host', '0.0.0.0'],
      {
        PORT: '7000',
        EVENTKIT_MANIFEST: '/etc/x.json',
      },
    );
    expect(config).toMatchObject({
      port: 9001,
      host: '0.0.0.0',
      manifestPath: path.resolve('/srv/agent', 'events/agent.json'),
    });
  });

  it.each([
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, 'http://collector:4318/v1/traces'],
    [
      {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x',
      },
      'http://c:4318/custom',
    ],
  ])('derives the OTLP traces URL from %j', (env, url) => {
    expect(read([], { OTEL_TRACES_EXPORTER: 'otlp', ...env }).traces.endpoint).toBe(url);
  });

  it('turns the log file off with an empty LOG_FILE', () => {
    expect(read([], { LOG_FILE: '' }).logFile).toBeUndefined();
  });

  it.each([
    [{}, 60],
    [{ GRAPH_CACHE_TTL_SECONDS: '0' }, 0],
    [{ GRAPH_CACHE_TTL_SECONDS: '300' }, 300],
  ])('reads GRAPH_CACHE_TTL_SECONDS from %j as %i', (env, seconds) => {
    expect(read([], env).graphCacheTtlSeconds).toBe(seconds);
  });

  it.each([
    [[], {}, 1],
    [['--workers', '4'], {}, 4],
    [[], { WEB_CONCURRENCY: '3' }, 3],
    [['--workers', '2'], { WEB_CONCURRENCY: '8' }, 2],
    [['--workers', 'auto'], {}, availableParallelism()],
    [[], { WEB_CONCURRENCY: 'AUTO' }, availableParallelism()],
  ])('reads %j %j as %i workers', (argv, env, workers) => {
    expect(read(argv, env).workers).toBe(workers);
  });

  it('names the instance after EVENTKIT_INSTANCE, else the hostname', () => {
    expect(read([]).instance).toBe('web1');
    expect(read([], { EVENTKIT_INSTANCE: 'eu-web-3' }).instance).toBe('eu-web-3');
    const odd = readServerConfig([], {}, '/srv', '/home/ada', 'my host');
    expect(!odd.help && odd.config.instance).toBe('my-host');
  });

  it('bounds the profile store at 1000 profiles unless PROFILE_STORE_MAX says otherwise', () => {
    expect(read([]).profileStoreMax).toBe(1000);
    expect(read([], { PROFILE_STORE_MAX: '50' }).profileStoreMax).toBe(50);
  });

  it('answers --help', () => {
    expect(readServerConfig(['--help'], {})).toEqual({ help: true });
  });

  it.each([
    [['--port', '70000'], {}, '--port must be a whole number from 0 to 65535 (got "70000")'],
    [[], { RATE_LIMIT_PER_MINUTE: '-1' }, 'RATE_LIMIT_PER_MINUTE must be a whole number'],
    [
      [],
      { LOG_LEVEL: 'trace' },
      'LOG_LEVEL "trace" is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL',
    ],
    [['extra'], {}, 'Unexpected argument'],
    [
      [],
      { GRAPH_CACHE_TTL_SECONDS: '1.5' },
      'GRAPH_CACHE_TTL_SECONDS must be a whole number from 0 to 86400 (got "1.5")',
    ],
    [[], { TRUST_PROXY: 'loopback,10.0.0.0/40' }, 'TRUST_PROXY: entry "10.0.0.0/40" is not'],
    [['--workers', '0'], {}, '--workers must be auto or a whole number from 1 to 1024 (got "0")'],
    [['--workers=-1'], {}, '--workers must be auto or a whole number'],
    [[], { WEB_CONCURRENCY: 'abc' }, 'WEB_CONCURRENCY must be auto or a whole number'],
    [[], { WEB_CONCURRENCY: '1.5' }, 'WEB_CONCURRENCY must be auto or a whole number'],
    [[], { EVENTKIT_INSTANCE: 'web 1' }, 'EVENTKIT_INSTANCE must be 1-190 letters'],
    [[], { EVENTKIT_INSTANCE: 'web[1]' }, 'EVENTKIT_INSTANCE must be 1-190 letters'],
    [[], { PROFILE_STORE_MAX: '0' }, 'PROFILE_STORE_MAX must be a whole number from 1'],
  ])('refuses %j %j', (argv, env, message) => {
    expect(() => read(argv, env)).toThrow(message);
  });
});
