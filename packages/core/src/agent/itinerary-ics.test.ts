import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import type { Session } from '../manifest/manifest-schema.js';
import { escapeIcsText, foldIcsLine, renderItineraryIcs } from './itinerary-ics.js';
import { recommendSessions } from './scoring.js';

const NOW = () => new Date('2026-05-01T08:30:00.123Z');

const session = (over: Partial<Session>): Session => ({
  id: 's1',
  title: 'Talk',
  start: '10:00',
  end: '10:40',
  location: 'Hall A',
  tags: ['agents'],
  popularity: 0.5,
  ...over,
});

function eventsOf(ics: string) {
  const component = new ICAL.Component(ICAL.parse(ics));
  return component.getAllSubcomponents('vevent').map((vevent) => {
    const event = new ICAL.Event(vevent);
    return {
      uid: event.uid,
      summary: event.summary,
      location: event.location,
      description: event.description,
      categories: vevent.getAllProperties('categories').flatMap((p) => p.getValues()),
      start: event.startDate.toString(),
      end: event.endDate.toString(),
      startZone: event.startDate.zone?.tzid,
      stamp: vevent.getFirstPropertyValue('dtstamp')?.toString(),
    };
  });
}

describe('escapeIcsText', () => {
  it.each([
    ['a,b', 'a\\,b'],
    ['a;b', 'a\\;b'],
    ['back\\slash', 'back\\\\slash'],
    ['line1\nline2\r\nline3\rline4', 'line1\\nline2\\nline3\\nline4'],
    ['bell\u0007 and tab\t', 'bell and tab\t'],
  ])('%j → %j', (input, expected) => {
    expect(escapeIcsText(input)).toBe(expected);
  });
});

describe('foldIcsLine', () => {
  it('keeps every physical line within 75 octets and unfolds to the original', () => {
    const line = `SUMMARY:${'Ünïcödé 🎉 agents '.repeat(20)}`;
    const folded = foldIcsLine(line);
    const physical = folded.split('\r\n');
    expect(physical.length).toBeGreaterThan(1);
    for (const [i, part] of physical.entries()) {
      expect(Buffer.byteLength(part, 'utf8')).toBeLessThanOrEqual(75);
      if (i > 0) expect(part.startsWith(' ')).toBe(true);
    }
    expect(folded.replace(/\r\n /g, '')).toBe(line);
    expect(folded).not.toContain('\uFFFD');
  });

  it('leaves a line of exactly 75 octets alone', () => {
    const line = `X:${'a'.repeat(73)}`;
    expect(foldIcsLine(line)).toBe(line);
    expect(foldIcsLine(`${line}b`)).toBe(`${line}\r\n b`);
  });
});

describe('renderItineraryIcs', () => {
  const tricky = session({
    id: 'd1-01',
    title:
      'Agents, Safety; and \\ Backslashes\nacross lines — a very long title that needs folding ✨',
    location: 'Hall A; Level 2, East',
    tags: ['ai safety', 'agents,llm'],
    date: '2026-06-10',
    start: '09:00',
    end: '09:45',
    track: 'Keynote',
  });
  const other = session({
    id: 'd1-02',
    title: 'Overlap',
    date: '2026-06-10',
    start: '09:30',
    end: '10:00',
  });
  const rec = recommendSessions([tricky, other], 'ai safety', { top: 2 });

  it('uses CRLF line endings only and folds long lines', () => {
    const ics = renderItineraryIcs(rec, { now: NOW });
    expect(ics.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of ics.split('\r\n')) {
      expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    }
    expect(ics.split('\r\n').slice(0, 3)).toEqual([
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Event Kit//Itinerary//EN',
    ]);
  });

  it('parses back with ical.js to the same text, with floating local times by default', () => {
    const events = eventsOf(renderItineraryIcs(rec, { now: NOW, interests: ['agents'] }));
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      summary: tricky.title,
      location: 'Hall A; Level 2, East',
      categories: ['ai safety', 'agents,llm'],
      start: '2026-06-10T09:00:00',
      end: '2026-06-10T09:45:00',
      startZone: 'floating',
      stamp: '2026-05-01T08:30:00Z',
    });
    expect(events[0]?.description).toContain('Track: Keynote');
    expect(events[1]?.description).toContain(`Overlaps with: ${tricky.title}`);
    expect(new Set(events.map((e) => e.uid)).size).toBe(2);
    for (const e of events) expect(e.uid).toMatch(/^[0-9a-f]{32}@eventkit$/);
  });

  it('converts to UTC with the event time zone, across DST', () => {
    const winter = session({ id: 'w', date: '2026-01-15', start: '09:00', end: '10:00' });
    const summer = session({ id: 's', date: '2026-06-15', start: '09:00', end: '10:00' });
    const events = eventsOf(
      renderItineraryIcs(recommendSessions([winter, summer], 'x', { top: 2 }), {
        now: NOW,
        timezone: 'Europe/Berlin',
      }),
    );
    expect(events.map((e) => [e.start, e.end])).toEqual([
      ['2026-01-15T08:00:00Z', '2026-01-15T09:00:00Z'],
      ['2026-06-15T07:00:00Z', '2026-06-15T08:00:00Z'],
    ]);
  });

  it('keeps explicit UTC offsets as instants and dates undated sessions with the given date', () => {
    const offset = session({
      id: 'o',
      start: '2026-06-10T10:00+02:00',
      end: '2026-06-10T10:30+02:00',
    });
    const bare = session({ id: 'b', start: '13:00', end: '13:40' });
    const events = eventsOf(
      renderItineraryIcs(recommendSessions([offset, bare], 'x', { top: 2 }), {
        now: NOW,
        date: '2026-06-11',
      }),
    );
    expect(events.map((e) => [e.start, e.end])).toEqual([
      ['2026-06-10T08:00:00Z', '2026-06-10T08:30:00Z'],
      ['2026-06-11T13:00:00', '2026-06-11T13:40:00'],
    ]);
  });

  it('renders an empty but valid calendar when nothing is recommended', () => {
    const ics = renderItineraryIcs({ sessions: [], scoring: [], conflicts: 0 }, { now: NOW });
    expect(eventsOf(ics)).toEqual([]);
  });
});
