import { describe, expect, it } from 'vitest';
import { EventKitError } from '../errors.js';
import {
  DEFAULT_GRAPH_POPULARITY,
  type GraphEvent,
  mapGraphEvent,
  toUtcIso,
} from './graph-events.js';

const EVENT: GraphEvent = {
  id: 'AAMk-1',
  subject: '  Responsible LLM Patterns ',
  categories: ['AI Safety', 'ai safety', ' Agents ', ''],
  start: { dateTime: '2026-03-15T13:00:00.0000000', timeZone: 'UTC' },
  end: { dateTime: '2026-03-15T13:40:00.0000000', timeZone: 'UTC' },
  location: { displayName: 'Hall A' },
};

describe('mapGraphEvent', () => {
  it('maps subject, categories (lowercased, unique), UTC times and location', () => {
    expect(mapGraphEvent(EVENT)).toEqual({
      ok: true,
      session: {
        id: 'AAMk-1',
        title: 'Responsible LLM Patterns',
        start: '2026-03-15T13:00:00Z',
        end: '2026-03-15T13:40:00Z',
        location: 'Hall A',
        tags: ['ai safety', 'agents'],
        popularity: DEFAULT_GRAPH_POPULARITY,
      },
    });
  });

  it('gives an untitled event a placeholder title and no location', () => {
    const mapped = mapGraphEvent({ ...EVENT, subject: null, location: null, categories: null });
    expect(mapped).toMatchObject({
      ok: true,
      session: { title: '(no subject)', location: '', tags: [] },
    });
  });

  it.each([
    ['cancelled', { isCancelled: true }],
    ['all-day', { isAllDay: true }],
    ['invalid', { end: EVENT.start }],
  ] as const)('skips a %s event', (reason, patch) => {
    expect(mapGraphEvent({ ...EVENT, ...patch })).toEqual({ ok: false, reason });
  });
});

describe('toUtcIso', () => {
  it.each([
    ['2026-03-15T13:00:00.0000000', 'UTC', '2026-03-15T13:00:00Z'],
    ['2026-03-15T13:00', 'Etc/UTC', '2026-03-15T13:00:00Z'],
    ['2026-03-15T13:00:00.0000000', 'Europe/Berlin', '2026-03-15T12:00:00Z'],
    ['2026-07-15T13:00:00', 'Europe/Berlin', '2026-07-15T11:00:00Z'],
    ['2026-03-08T03:30:00', 'America/New_York', '2026-03-08T07:30:00Z'],
    ['2026-03-15T23:30:00', 'Asia/Kolkata', '2026-03-15T18:00:00Z'],
  ])('converts %s in %s', (dateTime, zone, expected) => {
    expect(toUtcIso(dateTime, zone)).toBe(expected);
  });

  it.each([
    ['yesterday', 'UTC', 'malformed start.dateTime'],
    ['2026-03-15T13:00:00', 'Pacific Standard Time', 'neither UTC nor an IANA zone'],
  ])('refuses %s in %s', (dateTime, zone, message) => {
    expect(() => toUtcIso(dateTime, zone, 'start')).toThrow(EventKitError);
    expect(() => toUtcIso(dateTime, zone, 'start')).toThrow(message);
  });
});
