import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Session } from '../manifest/manifest-schema.js';
import { parseInterests } from './interests.js';
import { pythonRound } from './python-round.js';
import {
  explainSession,
  findConflicts,
  rankScoredSessions,
  recommendSessions,
  scoreSessions,
} from './scoring.js';

let seq = 0;
const session = (over: Partial<Session> = {}): Session => ({
  id: `s${++seq}`,
  title: `Session ${seq}`,
  start: '10:00',
  end: '10:40',
  location: 'Hall A',
  tags: [],
  popularity: 0.5,
  ...over,
});

describe('parseInterests', () => {
  it.each([
    ['agents, ai safety', ['agents', 'ai safety']],
    ['AI Safety; Governance', ['ai safety', 'governance']],
    [' agents ,, ; ', ['agents']],
    ['agents, Agents, AGENTS', ['agents']],
    ['', []],
    [
      ['edge', 'gen ai, agents'],
      ['edge', 'gen ai', 'agents'],
    ],
    [undefined, []],
  ])('%j → %j', (raw, expected) => {
    expect(parseInterests(raw)).toEqual(expected);
  });
});

describe('pythonRound', () => {
  it.each([
    [2.4059999999999997, 2.406],
    [2.4530000000000003, 2.453],
    [4.4590000000000005, 4.459],
    [0.0625, 0.062], // exact tie: half to even, as Python
    [0.0635, 0.064], // 0.0635 is slightly above the tie in binary
    [2.675, 2.675],
    [1.0005, 1.0], // binary value is below the tie
    [-1.2345, -1.234],
    [0, 0],
  ])('round(%s, 3) = %s', (value, expected) => {
    expect(pythonRound(value, 3)).toBe(expected);
  });
});

describe('recommendSessions', () => {
  it('ranks by score and keeps manifest order on ties', () => {
    const sessions = [
      session({ title: 'A', popularity: 0.5 }),
      session({ title: 'B', popularity: 0.9 }),
      session({ title: 'C', popularity: 0.5 }),
      session({ title: 'D', popularity: 0.5 }),
    ];
    const rec = recommendSessions(sessions, [], { top: 4 });
    expect(rec.sessions.map((s) => s.title)).toEqual(['B', 'A', 'C', 'D']);
  });

  it('counts each matching tag once per tag, case-insensitively', () => {
    const sessions = [session({ tags: ['Agents', 'AI Safety', 'edge'] })];
    const rec = recommendSessions(sessions, 'agents, ai safety', { top: 1 });
    expect(rec.scoring[0]?.contributions.interest_match).toBe(4);
  });

  it('applies the manifest weights', () => {
    const sessions = [session({ tags: ['agents'], popularity: 1 })];
    const rec = recommendSessions(sessions, ['agents'], {
      weights: { interest: 1, popularity: 2, diversity: 10 },
      top: 1,
    });
    expect(rec.scoring[0]).toEqual({
      title: sessions[0]?.title,
      score: 3.1,
      contributions: { interest_match: 1, popularity: 2, diversity: 0.1 },
    });
  });

  it('returns all sessions when top exceeds their number', () => {
    expect(recommendSessions([session(), session()], 'x', { top: 50 }).sessions).toHaveLength(2);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects top=%s', (top) => {
    expect(() => recommendSessions([session()], 'x', { top })).toThrow(/top must be/);
  });

  it('counts conflicts among the returned sessions only', () => {
    const sessions = [
      session({ start: '10:00', end: '11:00', popularity: 0.9 }),
      session({ start: '10:30', end: '11:30', popularity: 0.8 }),
      session({ start: '10:45', end: '11:15', popularity: 0.1 }),
    ];
    expect(recommendSessions(sessions, [], { top: 2 }).conflicts).toBe(1);
    expect(recommendSessions(sessions, [], { top: 3 }).conflicts).toBe(2);
  });
});

describe('scoreSessions and rankScoredSessions (the two steps of recommendSessions)', () => {
  const sessions = [
    session({ title: 'A', tags: ['edge'], popularity: 0.5, start: '10:00', end: '11:00' }),
    session({ title: 'B', tags: ['agents'], popularity: 0.9, start: '10:30', end: '11:30' }),
    session({ title: 'C', tags: ['agents', 'edge'], popularity: 0.2 }),
    session({ title: 'D', popularity: 0.5 }),
  ];

  it('scores every session unrounded, in the given order', () => {
    const scored = scoreSessions(sessions, 'agents, edge', {
      weights: { interest: 1, popularity: 0.1, diversity: 0.3 },
    });
    expect(scored.map((s) => [s.title, s.matched_tags])).toEqual([
      ['A', ['edge']],
      ['B', ['agents']],
      ['C', ['agents', 'edge']],
      ['D', []],
    ]);
    expect(scored[1]?.score).toBe(1 + 0.9 * 0.1 + 2 * 0.01 * 0.3);
    expect(scored[1]?.session).toBe(sessions[1]);
  });

  it.each([
    ['agents', 1],
    ['agents, edge', 2],
    ['edge', 3],
    ['nothing', 4],
  ])('composes to recommendSessions for %s, top %s', (interests, top) => {
    expect(rankScoredSessions(scoreSessions(sessions, interests), { top })).toEqual(
      recommendSessions(sessions, interests, { top }),
    );
  });

  it('ranks without reordering its input', () => {
    const scored = scoreSessions(sessions, 'agents');
    const before = scored.map((s) => s.title);
    expect(rankScoredSessions(scored, { top: 4 }).sessions.map((s) => s.title)).toEqual([
      'B',
      'C',
      'A',
      'D',
    ]);
    expect(scored.map((s) => s.title)).toEqual(before);
  });

  it.each([0, 2.5])('rejects top=%s when ranking', (top) => {
    expect(() => rankScoredSessions(scoreSessions(sessions, 'x'), { top })).toThrow(/top must be/);
  });
});

describe('findConflicts', () => {
  const titles = (sessions: Session[]) =>
    findConflicts(sessions).map((c) => [c.session.title, c.overlapsWith.title]);

  it('detects partial overlaps, not only equal slots', () => {
    const a = session({ title: 'a', start: '13:00', end: '13:40' });
    const b = session({ title: 'b', start: '13:30', end: '14:10' });
    const c = session({ title: 'c', start: '12:00', end: '15:00' });
    expect(titles([a, b, c])).toEqual([
      ['b', 'a'],
      ['c', 'a'],
    ]);
  });

  it('does not count sessions that only touch', () => {
    const a = session({ start: '13:00', end: '13:40' });
    const b = session({ start: '13:40', end: '14:20' });
    expect(findConflicts([a, b])).toEqual([]);
  });

  it('does not count the same hours on different days', () => {
    const a = session({ date: '2026-06-10', start: '10:00', end: '11:00' });
    const b = session({ date: '2026-06-11', start: '10:00', end: '11:00' });
    const c = session({ start: '2026-06-11T10:30', end: '2026-06-11T11:30' });
    expect(titles([a, b, c])).toEqual([[c.title, b.title]]);
  });

  it('compares sessions with UTC offsets as instants', () => {
    const berlin = session({ start: '2026-06-10T10:00+02:00', end: '2026-06-10T11:00+02:00' });
    const london = session({ start: '2026-06-10T09:30+01:00', end: '2026-06-10T10:30+01:00' });
    const utcLater = session({ start: '2026-06-10T09:30Z', end: '2026-06-10T10:30Z' });
    expect(titles([berlin, london, utcLater])).toEqual([[london.title, berlin.title]]);
  });

  it('counts a session once even when it overlaps several higher-ranked ones', () => {
    const a = session({ start: '10:00', end: '11:00' });
    const b = session({ start: '10:00', end: '11:00' });
    const c = session({ start: '10:00', end: '11:00' });
    expect(findConflicts([a, b, c])).toHaveLength(2);
  });
});

describe('explainSession', () => {
  const sessions = [session({ title: 'Edge Intelligence Demos', tags: ['Edge', 'agents'] })];

  it('finds the title case-insensitively and lists matched tags as written', () => {
    expect(explainSession(sessions, '  EDGE intelligence demos ', 'edge', undefined)).toMatchObject(
      {
        title: 'Edge Intelligence Demos',
        matched_tags: ['Edge'],
      },
    );
  });

  it('returns undefined for an unknown title', () => {
    expect(explainSession(sessions, 'Missing Talk', 'edge')).toBeUndefined();
  });
});

describe('findConflicts (property)', () => {
  it('agrees with a minute-by-minute occupancy check', () => {
    const slot = fc.record({
      day: fc.constantFrom('2026-06-10', '2026-06-11'),
      start: fc.integer({ min: 0, max: 23 * 60 }),
      length: fc.integer({ min: 1, max: 120 }),
    });
    fc.assert(
      fc.property(fc.array(slot, { minLength: 1, maxLength: 8 }), (slots) => {
        const hm = (m: number) =>
          `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
        const sessions = slots.map((s, i) =>
          session({
            id: `p${i}`,
            title: `p${i}`,
            date: s.day,
            start: hm(s.start),
            end: hm(Math.min(s.start + s.length, 23 * 60 + 59)),
          }),
        );
        const minutes = (s: Session) => {
          const [sh, sm] = s.start.split(':').map(Number) as [number, number];
          const [eh, em] = s.end.split(':').map(Number) as [number, number];
          const set = new Set<string>();
          for (let m = sh * 60 + sm; m < eh * 60 + em; m++) set.add(`${s.date}@${m}`);
          return set;
        };
        const expected = sessions.filter((s, i) =>
          sessions
            .slice(0, i)
            .some((earlier) => [...minutes(s)].some((m) => minutes(earlier).has(m))),
        );
        expect(findConflicts(sessions).map((c) => c.session)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
