import { describe, expect, it } from 'vitest';
import type { TelemetryCensus } from '../census.js';
import {
  answeredJustBefore,
  compareHost,
  expectedByHost,
  unansweredByHost,
} from './fleet-checks.js';
import type { AccessLogLine } from './nginx.js';

const A = '127.0.0.2:80';
const B = '127.0.0.3:80';
let clock = 1000;
const line = (
  path: string,
  status: number,
  upstream: string,
  upstream_status = String(status),
  msec = clock++,
): AccessLogLine => ({
  msec,
  client: '127.0.0.1',
  request: `GET ${path} HTTP/1.1`,
  status,
  upstream,
  upstream_status,
});
const actions: Record<string, string> = { '/recommend?x=1': 'recommend', '/nope': 'unknown' };
const lookup = (path: string) => actions[path];

describe('expectedByHost', () => {
  it('counts each answer under the agent that gave it, as the action of its path', () => {
    const mismatches: string[] = [];
    const byHost = expectedByHost(
      [line('/recommend?x=1', 200, A), line('/nope', 404, B), line('/recommend?x=1', 429, B)],
      lookup,
      mismatches,
    );
    expect(byHost.get(A)).toEqual({ recommend: { count: 1, failures: 0 } });
    expect(byHost.get(B)).toEqual({
      unknown: { count: 1, failures: 1 },
      rate_limited: { count: 1, failures: 1 },
    });
    expect(mismatches).toEqual([]);
  });

  it.each([
    ['a refused connection (502) is no answer', '502, 200', undefined],
    ['a timeout (504) is no answer', '504, 200', undefined],
    ['an answered 503 is a line on that agent too', '503, 200', { count: 1, failures: 1 }],
  ])('after a failover, %s', (_name, statuses, onA) => {
    const byHost = expectedByHost(
      [line('/recommend?x=1', 200, `${A}, ${B}`, statuses)],
      lookup,
      [],
    );
    expect(byHost.get(A)?.recommend).toEqual(onA);
    expect(byHost.get(B)?.recommend).toEqual({ count: 1, failures: 0 });
  });

  it('counts no answer when nginx gave up on the only agent it tried (its own 502)', () => {
    expect(expectedByHost([line('/recommend?x=1', 502, A)], lookup, []).size).toBe(0);
  });

  it('leaves out health probes and reports paths the drill never sent', () => {
    const mismatches: string[] = [];
    const byHost = expectedByHost(
      [line('/livez', 200, A), line('/readyz', 503, A), line('/other', 200, A)],
      lookup,
      mismatches,
    );
    expect(byHost.size).toBe(0);
    expect(mismatches).toEqual(['nginx: requests the drill never sent: /other']);
  });
});

describe('unansweredByHost', () => {
  it('counts the attempts nginx gave up on, per agent', () => {
    const lines = [
      line('/recommend?x=1', 200, `${A}, ${B}`, '502, 200'),
      line('/recommend?x=1', 200, `${A}, ${B}`, '504, 200'),
      line('/recommend?x=1', 200, `${B}, ${A}`, '503, 200'),
      line('/recommend?x=1', 200, A),
      line('/recommend?x=1', 502, B),
    ];
    expect(Object.fromEntries(unansweredByHost(lines))).toEqual({ [A]: 2, [B]: 1 });
  });
});

describe('answeredJustBefore', () => {
  it("counts the agent's answers from a flush interval before the kill until it was gone", () => {
    const at = 10_000;
    const lines = [
      line('/recommend?x=1', 200, A, '200', 9.9), // 100 ms before: already written
      line('/recommend?x=1', 200, A, '200', 9.96),
      line('/recommend?x=1', 200, B, '200', 9.97), // another agent
      line('/recommend?x=1', 200, A, '200', 10.001),
      line('/livez', 200, A, '200', 10.0),
      line('/recommend?x=1', 200, A, '200', 10.2), // after it was gone: a restarted agent
    ];
    expect(answeredJustBefore(lines, { upstream: A, what: 'a', at, goneAt: at + 5 }, 50)).toBe(2);
  });

  it('counts, for a whole host, what nginx logged for it until it was started again', () => {
    const at = 20_000;
    const lines = [
      line('/recommend?x=1', 200, A, '200', 19.97),
      line('/recommend?x=1', 200, A, '200', 20.04), // logged late: the killed process answered it
      line('/recommend?x=1', 200, A, '200', 21.5), // the restarted host
    ];
    const kill = { upstream: A, what: 'a', at, goneAt: at + 5, restartedAt: at + 1000 };
    expect(answeredJustBefore(lines, kill, 50)).toBe(2);
  });
});

describe('compareHost', () => {
  const census = (recommend: number) =>
    ({
      events: recommend,
      byAction: { recommend: { count: recommend, failures: 0 } },
    }) as unknown as TelemetryCensus;
  const expected = { recommend: { count: 10, failures: 0 } };

  it.each([
    ['exact without a kill', 10, undefined, []],
    [
      'one line short without a kill',
      9,
      undefined,
      ['h telemetry: recommend count 9, expected 10'],
    ],
    ['within the bound after a kill', 8, 2, []],
    [
      'beyond the bound after a kill',
      7,
      2,
      [
        'h telemetry: 7 lines for 10 answers; a SIGKILL may lose at most 2 (answered in the last flush interval)',
      ],
    ],
    ['one line more than answers after a kill, one attempt unanswered', 11, 2, []],
    [
      'more lines than answers and unanswered attempts after a kill',
      12,
      2,
      ['h telemetry: 12 lines for 10 answers and 1 attempts without an answer'],
    ],
  ])('%s', (_name, lines, bound, want) => {
    const mismatches: string[] = [];
    compareHost(mismatches, 'h', expected, census(lines), bound, 1);
    expect(mismatches).toEqual(want);
  });
});
