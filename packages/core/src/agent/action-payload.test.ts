import { describe, expect, it } from 'vitest';
import type { Session } from '../manifest/manifest-schema.js';
import { actionPayload } from './action-payload.js';
import { explainSession, recommendSessions } from './scoring.js';

const sessions: Session[] = [
  {
    id: 'a',
    title: 'Agents',
    start: '09:00',
    end: '10:00',
    tags: ['agents'],
    popularity: 0.5,
    location: 'Room 1',
  },
  {
    id: 'b',
    title: 'Safety',
    start: '09:30',
    end: '10:30',
    tags: ['safety'],
    popularity: 0.5,
    location: 'Room 2',
  },
];
const interests = ['agents', 'safety'];
const rec = recommendSessions(sessions, interests, { top: 5 });

describe('actionPayload', () => {
  it('recommend: what was asked, then what was returned, then how the interests came', () => {
    expect(
      actionPayload('recommend', { interests, top: 5, source: 'manifest', rec, profile: 'saved' }),
    ).toStrictEqual({
      interests_count: 2,
      top: 5,
      source: 'manifest',
      conflicts: 1,
      returned: 2,
      profile: 'saved',
    });
  });

  it('recommend before the sessions loaded: only what was asked (a failure is still counted)', () => {
    expect(actionPayload('recommend', { interests, top: 5, source: 'graph' })).toStrictEqual({
      interests_count: 2,
      top: 5,
      source: 'graph',
    });
  });

  it('recommend with an Adaptive Card says so', () => {
    expect(
      actionPayload('recommend', { interests, top: 5, source: 'manifest', rec, card: true }),
    ).toMatchObject({ card: true });
    expect(
      actionPayload('recommend', { interests, top: 5, source: 'manifest', rec, card: false }),
    ).not.toHaveProperty('card');
  });

  it.each(['hit', 'miss'] as const)(
    'a Graph source with its cache on says graph_cache %s',
    (hit) => {
      expect(
        actionPayload('recommend', { interests, top: 5, source: 'graph', rec, graphCache: hit }),
      ).toMatchObject({ source: 'graph', graph_cache: hit });
      expect(
        actionPayload('recommend', { interests, top: 5, source: 'graph', rec }),
      ).not.toHaveProperty('graph_cache');
    },
  );

  it('export: the recommendation, the format and whether a copy was saved', () => {
    expect(
      actionPayload('export', {
        interests,
        top: 5,
        source: 'external',
        rec,
        format: 'ics',
        saved: false,
      }),
    ).toStrictEqual({
      interests_count: 2,
      top: 5,
      source: 'external',
      conflicts: 1,
      returned: 2,
      format: 'ics',
      saved: false,
    });
  });

  it.each([
    ['found', explainSession(sessions, 'agents', interests), { found: true, matched: 1 }],
    ['not found', undefined, { found: false, matched: 0 }],
  ])('explain, %s: counts only, never the title', (_name, explanation, expected) => {
    expect(actionPayload('explain', { interests, source: 'manifest', explanation })).toStrictEqual({
      interests_count: 2,
      source: 'manifest',
      ...expected,
    });
  });
});
