import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../bins.js';
import { tempDir } from '../test-support/temp-dir.js';
import {
  type AccessLogLine,
  attempts,
  nginxArgs,
  renderNginxSite,
  writeNginxConfig,
} from './nginx.js';

const SHIPPED = path.join(repoRoot(), 'deploy', 'nginx', 'event-agent.conf');
const TARGET = {
  upstreams: ['127.0.0.2:8100', '127.0.0.3:8100'],
  listen: '127.0.0.1:8080',
  accessLog: '/tmp/drill/access.log',
  errorLog: '/tmp/drill/site-error.log',
};
const directives = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

describe('renderNginxSite', () => {
  it("puts the drill's agents in the upstream with the shipped parameters, and keeps every other directive", async () => {
    const shipped = await readFile(SHIPPED, 'utf8');
    const rendered = renderNginxSite(shipped, TARGET);
    const parameters = /^\s*server\s+\S+(.*);/m.exec(shipped)?.[1] ?? '';
    expect(parameters).toMatch(/max_fails=\d+ fail_timeout=\d+s/);
    for (const upstream of TARGET.upstreams) {
      expect(rendered).toContain(`server ${upstream}${parameters};`);
    }
    expect(rendered).toContain('listen 127.0.0.1:8080;');
    expect(rendered).toContain('access_log /tmp/drill/access.log event_agent;');
    const replaced = /^(server \d|listen |access_log |error_log )/;
    const kept = directives(shipped).filter((line) => !replaced.test(line));
    expect(directives(rendered).filter((line) => !replaced.test(line))).toEqual(kept);
    expect(rendered).toContain('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
  });

  const upstream = 'upstream a {\n  server b:1 max_fails=2;\n}';
  const server = (body: string) => `server {\n${body}\n}`;
  it.each([
    ['no upstream server', server('  listen 80;\n  access_log x;'), /upstream/],
    ['no listen', `${upstream}\n${server('  access_log x;')}`, /listen/],
    ['no access log', `${upstream}\n${server('  listen 80;')}`, /access_log/],
  ])('refuses a site with %s, naming what is missing', (_name, site, message) => {
    expect(() => renderNginxSite(site, TARGET)).toThrow(message);
  });

  it("passes the real nginx's check (nginx -t) inside the drill's config", async () => {
    const dir = await tempDir('eventkit-nginx-');
    const { configFile } = await writeNginxConfig({
      dir,
      site: SHIPPED,
      upstreams: TARGET.upstreams,
      port: 8080,
    });
    const check = spawnSync('nginx', ['-t', ...nginxArgs(dir, configFile)], { encoding: 'utf8' });
    expect(check.stderr).toContain('test is successful');
    expect(check.status).toBe(0);
  });
});

describe('attempts', () => {
  const line = (upstream: string, upstream_status: string) =>
    ({ upstream, upstream_status }) as AccessLogLine;
  it.each([
    ['one agent', line('127.0.0.2:80', '200'), [['127.0.0.2:80', '200']]],
    [
      'a failover',
      line('127.0.0.2:80, 127.0.0.3:80', '502, 200'),
      [
        ['127.0.0.2:80', '502'],
        ['127.0.0.3:80', '200'],
      ],
    ],
    [
      'a failover across upstream groups',
      line('127.0.0.2:80, 127.0.0.3:80 : 127.0.0.4:80', '502, 504 : 429'),
      [
        ['127.0.0.2:80', '502'],
        ['127.0.0.3:80', '504'],
        ['127.0.0.4:80', '429'],
      ],
    ],
  ])('lists the agents tried for %s, in order', (_name, logged, expected) => {
    expect(attempts(logged).map((a) => [a.upstream, a.status])).toEqual(expected);
  });
});
