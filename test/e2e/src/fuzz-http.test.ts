import { readFile } from 'node:fs/promises';
import { parseTelemetryLine } from '@eventkit/core/telemetry';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgent } from './test-support/agent-process.js';
import { clientAnswerProblem, percentEncode } from './test-support/http-checks.js';
import { type RawResponse, rawRequest } from './test-support/raw-http.js';

const SEED = 7_2026;
const LOG_LINE =
  /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} - [^ ]+ - (DEBUG|INFO|WARNING|ERROR|CRITICAL) - /;

let agent: AgentProcess;
const answers: RawResponse[] = [];
const problems: string[] = [];
const tried = { queries: 0, headers: 0 };

async function send(target: string | Buffer, headers: Array<[string, string | Buffer]>) {
  const response = await rawRequest(agent.port, target, headers);
  answers.push(response);
  const problem = clientAnswerProblem(response);
  if (problem) problems.push(`${String(target).slice(0, 120)}: ${problem}`);
  return response;
}

const auth = (): [string, string] => ['Authorization', `Bearer ${agent.token}`];

const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({
    unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
    maxLength: 10,
  }),
  fc.constantFrom(
    'agents',
    'ai safety',
    'AI Safety Foundations',
    'ics',
    'markdown',
    '5',
    '0',
    '-1',
    '51',
    '1e3',
    ' ',
    '../../etc/passwd',
    '%00',
    '\r\n2024-01-01 00:00:00,000 - event_agent - CRITICAL - forged',
  ),
  fc.integer({ min: 400, max: 20_000 }).map((n) => 'a'.repeat(n)),
);
const paramName = fc.oneof(
  fc.constantFrom(
    'interests',
    'top',
    'session',
    'format',
    'card',
    'profileSave',
    'profileLoad',
    'source',
  ),
  fc.string({ maxLength: 12 }),
);
const query = fc.array(fc.tuple(paramName, anyText), { maxLength: 8 });
const route = fc.constantFrom(
  '/recommend',
  '/explain',
  '/export',
  '/recommend/',
  '/',
  '/health',
  '/nope',
);

beforeAll(async () => {
  agent = await startAgent();
});
afterAll(async () => {
  await agent?.stop();
  process.stdout.write(`fuzz http: cases tried ${JSON.stringify(tried)}\n`);
});

describe('fuzz: HTTP query strings and headers against the built agent', () => {
  it('query strings (unicode, control characters, 20 kB values, repeated parameters): a clear 4xx or a 2xx, never a 5xx or a stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(route, query, fc.boolean(), async (path, params, raw) => {
        tried.queries++;
        const encoded = params.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');
        // Raw: the bytes as typed (spaces, control characters, UTF-8), for Node's parser to judge.
        const target = raw
          ? Buffer.from(
              `${path}?${params.map(([k, v]) => `${k}=${v}`).join('&')}`.replace(/[\r\n]/g, ''),
              'utf8',
            )
          : `${path}?${encoded}`;
        await send(target, [auth()]);
      }),
      { seed: SEED, numRuns: 400 },
    );
    expect(problems).toEqual([]);
  });

  it('headers (traceparent, X-Correlation-ID, Authorization, unknown ones; long, unicode, control characters)', async () => {
    const headerName = fc.oneof(
      fc.constantFrom(
        'traceparent',
        'tracestate',
        'X-Correlation-ID',
        'Authorization',
        'Accept',
        'User-Agent',
        'X-Forwarded-For',
        'Cookie',
      ),
      fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,30}$/),
    );
    const headerValue = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 60 }),
      fc.string({
        unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
        minLength: 1,
        maxLength: 5,
      }),
      fc.constantFrom(
        '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
        'ff-xyz',
        `Bearer ${'x'.repeat(300)}`,
        'bearer',
        'Basic Zm9vOmJhcg==',
      ),
      fc.integer({ min: 1000, max: 40_000 }).map((n) => 'v'.repeat(n)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(headerName, headerValue), { maxLength: 6 }),
        fc.boolean(),
        async (headers, withAuth) => {
          tried.headers++;
          const sent: Array<[string, string | Buffer]> = headers.map(([name, value]) => [
            name,
            Buffer.from(value.replace(/[\r\n]/g, ' '), 'utf8'),
          ]);
          await send('/recommend?interests=agents', withAuth ? [auth(), ...sent] : sent);
        },
      ),
      { seed: SEED + 1, numRuns: 300 },
    );
    expect(problems).toEqual([]);
  });

  it('wrote exactly one well-formed telemetry line per request that reached the agent, and no forged log line', async () => {
    const reached = answers.filter((a) => a.headers['x-trace-id']).length;
    // Stop the agent (flushes telemetry and the log) but keep its files: read them first.
    agent.child.process.kill('SIGTERM');
    expect(await agent.child.exited).toBe(0);
    const lines = (await readFile(agent.telemetryFile, 'utf8')).split('\n').filter(Boolean);
    const malformed = lines.filter((line) => !parseTelemetryLine(line).ok);
    expect(malformed).toEqual([]);
    expect(lines.length).toBe(reached);
    const logLines = (await readFile(agent.logFile, 'utf8')).split('\n').filter(Boolean);
    expect(logLines.filter((line) => !LOG_LINE.test(line))).toEqual([]);
    expect(
      logLines.filter(
        (line) => line.includes('- CRITICAL - forged') && line.startsWith('2024-01-01'),
      ),
    ).toEqual([]);
    process.stdout.write(
      `fuzz http: ${answers.length} requests, ${reached} reached the agent, ${lines.length} telemetry lines, statuses ${JSON.stringify(countBy(answers.map((a) => a.status)))}\n`,
    );
  });
});

function countBy(values: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const value of values) out[value] = (out[value] ?? 0) + 1;
  return out;
}
