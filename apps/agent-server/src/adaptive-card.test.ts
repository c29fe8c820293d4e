import { recommendSessions } from '@eventkit/core';
import type { Session } from '@eventkit/core/manifest';
import { describe, expect, it } from 'vitest';
import { type AdaptiveCardElement, buildAdaptiveCard } from './adaptive-card.js';

const session = (over: Partial<Session>): Session => ({
  id: 's',
  title: 'Talk',
  start: '10:00',
  end: '10:40',
  location: 'Hall A',
  tags: ['agents'],
  popularity: 0.5,
  ...over,
});

/** Element types and properties allowed by the Adaptive Card 1.5 schema for what we emit. */
const ALLOWED: Record<string, string[]> = {
  TextBlock: ['type', 'text', 'wrap', 'size', 'weight', 'style', 'isSubtle', 'spacing', 'color'],
  FactSet: ['type', 'facts'],
  Container: ['type', 'id', 'separator', 'spacing', 'items'],
};

function walk(elements: AdaptiveCardElement[], visit: (e: AdaptiveCardElement) => void) {
  for (const element of elements) {
    visit(element);
    if (Array.isArray(element.items)) walk(element.items as AdaptiveCardElement[], visit);
  }
}

describe('buildAdaptiveCard', () => {
  const sessions = [
    session({
      id: 'a',
      title: 'Agents in Production',
      track: 'Agents',
      date: '2026-06-10',
      popularity: 0.9,
    }),
    session({ id: 'b', title: 'Clashing Talk', date: '2026-06-10', start: '10:20', end: '11:00' }),
  ];
  const rec = recommendSessions(sessions, 'agents', { top: 2 });
  const card = buildAdaptiveCard(rec, { interests: ['agents'] });

  it('is an Adaptive Card 1.5 that survives JSON serialisation', () => {
    expect(card).toMatchObject({
      type: 'AdaptiveCard',
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      version: '1.5',
    });
    expect(JSON.parse(JSON.stringify(card))).toEqual(card);
  });

  it('uses only element types and properties of the 1.5 schema, with the required ones', () => {
    walk(card.body, (element) => {
      const allowed = ALLOWED[element.type];
      expect(allowed, element.type).toBeDefined();
      for (const key of Object.keys(element)) expect(allowed).toContain(key);
      if (element.type === 'TextBlock') expect(typeof element.text).toBe('string');
      if (element.type === 'FactSet') {
        for (const fact of element.facts as { title: string; value: string }[]) {
          expect(Object.keys(fact).sort()).toEqual(['title', 'value']);
          expect(typeof fact.value).toBe('string');
        }
      }
    });
  });

  it('lists each session in rank order with its facts and flags the clash', () => {
    const containers = card.body.filter((e) => e.type === 'Container');
    expect(containers).toHaveLength(2);
    expect(JSON.stringify(containers[0])).toContain('1. Agents in Production');
    expect(containers[0]?.items).toContainEqual({
      type: 'FactSet',
      facts: [
        { title: 'When', value: '2026-06-10 10:00–10:40' },
        { title: 'Where', value: 'Hall A' },
        { title: 'Track', value: 'Agents' },
        { title: 'Tags', value: 'agents' },
        { title: 'Score', value: '2.453' },
      ],
    });
    expect(JSON.stringify(containers[1])).toContain('Overlaps with Agents in Production');
    expect(JSON.stringify(card.body.at(-1))).toContain('1 time conflict in this selection');
  });

  it('says so when nothing matched', () => {
    const empty = buildAdaptiveCard({ sessions: [], scoring: [], conflicts: 0 });
    expect(empty.body.map((e) => e.text)).toContain('No sessions matched.');
  });
});
