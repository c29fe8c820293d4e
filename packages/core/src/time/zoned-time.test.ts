import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utcToZonedWallTime, zonedWallTimeToUtc } from './zoned-time.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('zonedWallTimeToUtc', () => {
  it.each([
    [
      'summer time in Berlin',
      Date.UTC(2026, 5, 10, 9, 0),
      'Europe/Berlin',
      '2026-06-10T07:00:00.000Z',
    ],
    [
      'winter time in Berlin',
      Date.UTC(2026, 0, 10, 9, 0),
      'Europe/Berlin',
      '2026-01-10T08:00:00.000Z',
    ],
    ['New York', Date.UTC(2026, 2, 15, 8, 30), 'America/New_York', '2026-03-15T12:30:00.000Z'],
    ['UTC itself', Date.UTC(2026, 2, 15, 8, 30), 'UTC', '2026-03-15T08:30:00.000Z'],
  ])('converts %s', (_name, wall, zone, expected) => {
    expect(iso(zonedWallTimeToUtc(wall, zone))).toBe(expected);
  });

  it('moves a wall time inside a DST gap forward', () => {
    // 02:30 does not exist in Berlin on 2026-03-29.
    expect(iso(zonedWallTimeToUtc(Date.UTC(2026, 2, 29, 2, 30), 'Europe/Berlin'))).toBe(
      '2026-03-29T01:30:00.000Z',
    );
  });

  it('throws a RangeError for an unknown zone', () => {
    expect(() => zonedWallTimeToUtc(0, 'Pacific Standard Time')).toThrow(RangeError);
  });
});

describe('utcToZonedWallTime', () => {
  it.each([
    [
      'summer time in Berlin',
      '2026-06-10T07:00:00.000Z',
      'Europe/Berlin',
      '2026-06-10T09:00:00.000Z',
    ],
    [
      'winter time in Berlin',
      '2026-01-10T08:00:00.000Z',
      'Europe/Berlin',
      '2026-01-10T09:00:00.000Z',
    ],
    ['New York', '2026-03-15T12:30:00.000Z', 'America/New_York', '2026-03-15T08:30:00.000Z'],
    ['UTC itself, whole seconds', '2026-03-15T08:30:00.999Z', 'UTC', '2026-03-15T08:30:00.000Z'],
  ])('converts %s', (_name, utc, zone, expected) => {
    expect(iso(utcToZonedWallTime(Date.parse(utc), zone))).toBe(expected);
  });

  it('gives a wall time that zonedWallTimeToUtc maps back to, whatever the instant and zone', () => {
    const zones = [
      'Europe/Berlin',
      'America/New_York',
      'Asia/Kolkata',
      'Australia/Lord_Howe',
      'UTC',
    ];
    fc.assert(
      fc.property(
        fc
          .integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) })
          .map((ms) => ms - (ms % 1000)),
        fc.constantFrom(...zones),
        (utc, zone) => {
          // In the hour a clock goes back, either instant is right: both show that wall time.
          const wall = utcToZonedWallTime(utc, zone);
          expect(utcToZonedWallTime(zonedWallTimeToUtc(wall, zone), zone)).toBe(wall);
        },
      ),
    );
  });
});
