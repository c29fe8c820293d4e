import { describe, expect, it } from 'vitest';
import { graphWindow } from './graph-window.js';

const now = new Date('2026-03-14T08:30:00Z');

describe('graphWindow', () => {
  it('defaults to the next seven days from now', () => {
    expect(graphWindow({ now })).toEqual({
      start: now,
      end: new Date('2026-03-21T08:30:00Z'),
    });
  });

  it.each([
    ['2026-03-15', '2026-03-17', '2026-03-15T00:00:00.000Z', '2026-03-17T00:00:00.000Z'],
    [
      '2026-03-15T09:00:00+01:00',
      '2026-03-15T18:00Z',
      '2026-03-15T08:00:00.000Z',
      '2026-03-15T18:00:00.000Z',
    ],
  ])('reads %s .. %s', (start, end, from, to) => {
    const window = graphWindow({ start, end, now });
    expect([window.start.toISOString(), window.end.toISOString()]).toEqual([from, to]);
  });

  it('ends a given start plus the default days when no end is given', () => {
    expect(graphWindow({ start: '2026-03-15', now }).end.toISOString()).toBe(
      '2026-03-22T00:00:00.000Z',
    );
  });

  it.each([
    [{ start: 'tomorrow' }, 'start must be an ISO date'],
    [{ start: '2026-03-15T09:00' }, 'start must be an ISO date'],
    [{ end: '2026-02-30x' }, 'end must be an ISO date'],
    [{ start: '2026-03-15', end: '2026-03-15' }, 'end must be after start'],
    [{ start: '2026-01-01', end: '2027-06-01' }, 'at most 366 days'],
  ])('rejects %j', (input, message) => {
    expect(() => graphWindow({ ...input, now })).toThrow(message);
  });
});
