import { describe, expect, it } from 'vitest';
import type { Session } from '../manifest/manifest-schema.js';
import { escapeMarkdown, renderItineraryMarkdown } from './itinerary-markdown.js';
import { recommendSessions } from './scoring.js';

const NOW = () => new Date('2026-05-01T08:30:00.000Z');
const session = (over: Partial<Session>): Session => ({
  id: 's',
  title: 'Talk',
  start: '10:00',
  end: '10:40',
  location: 'Hall A',
  tags: [],
  popularity: 0.5,
  ...over,
});

describe('renderItineraryMarkdown', () => {
  it('groups by day in time order, with rank, score, room, track and clashes', () => {
    const sessions = [
      session({
        id: 'a',
        title: 'Day two talk',
        date: '2026-06-11',
        start: '09:00',
        end: '09:30',
        tags: ['agents'],
        popularity: 0.9,
      }),
      session({
        id: 'b',
        title: 'Afternoon',
        date: '2026-06-10',
        start: '14:00',
        end: '14:40',
        tags: ['agents'],
        track: 'Agents',
        popularity: 0.8,
      }),
      session({
        id: 'c',
        title: 'Morning',
        date: '2026-06-10',
        start: '09:00',
        end: '09:40',
        tags: ['agents'],
        popularity: 0.7,
      }),
      session({
        id: 'd',
        title: 'Clash',
        date: '2026-06-10',
        start: '14:20',
        end: '15:00',
        location: 'Hall B',
        popularity: 0.6,
      }),
    ];
    const rec = recommendSessions(sessions, 'agents', { top: 4 });
    expect(
      renderItineraryMarkdown(rec, { eventName: 'Summit', interests: ['agents'], now: NOW }),
    ).toBe(
      [
        '# Itinerary: Summit',
        '',
        'Interests: agents  ',
        'Sessions: 4 · time conflicts: 1  ',
        'Generated: 2026-05-01T08:30:00.000Z',
        '',
        '## 2026-06-10',
        '',
        '- **09:00–09:40** Morning (Hall A)',
        '  - rank 3 · score 2.353 · tags: agents',
        '- **14:00–14:40** Afternoon (Hall A, Agents)',
        '  - rank 2 · score 2.403 · tags: agents',
        '- **14:20–15:00** Clash (Hall B)',
        '  - rank 4 · score 0.303',
        '  - ⚠ overlaps with Afternoon',
        '',
        '## 2026-06-11',
        '',
        '- **09:00–09:30** Day two talk (Hall A)',
        '  - rank 1 · score 2.453 · tags: agents',
        '',
      ].join('\n'),
    );
  });

  it('says so when nothing matched', () => {
    expect(
      renderItineraryMarkdown({ sessions: [], scoring: [], conflicts: 0 }, { now: NOW }),
    ).toContain('No sessions matched.');
  });

  it('escapes Markdown in titles so they cannot inject links, HTML or headings', () => {
    expect(escapeMarkdown('[click](http://x) <img> *b* # h\nnext')).toBe(
      '\\[click\\]\\(http://x\\) \\<img\\> \\*b\\* \\# h next',
    );
  });
});
