import { describe, expect, it } from 'vitest';
import {
  parseCount,
  parseDuration,
  parseHttpUrl,
  parseNonNegative,
  parsePercent,
  parsePositiveInt,
  parseTimeBound,
} from './option-parsers.js';

const NOW = new Date('2024-03-15T08:30:00Z');
const NOW_S = NOW.getTime() / 1000;

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['24h', 86_400],
    ['7d', 604_800],
    ['1w', 604_800],
    ['1.5h', 5400],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '15', 'h', '-5m', '0m', '5 minutes', '1y'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/duration/);
  });
});

describe('parseTimeBound', () => {
  it.each([
    ['1h', NOW_S - 3600],
    ['7d', NOW_S - 604_800],
    ['2024-03-15T08:00:00Z', NOW_S - 1800],
    ['2024-03-15', Date.parse('2024-03-15') / 1000],
    ['1710491400', 1_710_491_400],
    ['1710491400.5', 1_710_491_400.5],
  ])('reads %s', (text, seconds) => {
    expect(parseTimeBound(text, NOW)).toBe(seconds);
  });

  it.each(['yesterday', '2024-13-45T99:00:00Z', '12345'])('rejects %j with a hint', (text) => {
    expect(() => parseTimeBound(text, NOW)).toThrow(/15m, 24h, 7d.*ISO timestamp/);
  });
});

describe('parsePercent and parseCount', () => {
  it.each([
    ['5%', 5],
    ['5', 5],
    ['0.5%', 0.5],
  ])('reads %s as %d percent', (text, value) => {
    expect(parsePercent(text)).toBe(value);
  });

  it.each(['150%', 'five', '-1%'])('rejects the percentage %j', (text) => {
    expect(() => parsePercent(text)).toThrow(/percentage/);
  });

  it.each(['', '1.5', '-1'])('rejects the count %j', (text) => {
    expect(() => parseCount(text)).toThrow(/whole number of 0 or more/);
  });
});

describe('parseNonNegative and parsePositiveInt', () => {
  it('reads numbers of zero or more, and whole numbers of one or more', () => {
    expect([parseNonNegative('0'), parseNonNegative('12.5'), parseCount('0')]).toEqual([
      0, 12.5, 0,
    ]);
    expect(parsePositiveInt('20')).toBe(20);
  });

  it.each(['', ' ', 'fast', '-1', 'Infinity'])('rejects the non-negative number %j', (text) => {
    expect(() => parseNonNegative(text)).toThrow(/number of zero or more/);
  });

  it.each(['', '0', '1.5', 'five'])('rejects the positive whole number %j', (text) => {
    expect(() => parsePositiveInt(text)).toThrow(/whole number of 1 or more/);
  });
});

describe('parseHttpUrl', () => {
  it.each(['http://127.0.0.1:8000', 'https://hooks.example.com/x?y=1'])('accepts %s', (url) => {
    expect(parseHttpUrl(url)).toBe(url);
  });

  it.each(['127.0.0.1:8000', 'localhost', 'ftp://host/x', ''])('rejects %j', (url) => {
    expect(() => parseHttpUrl(url)).toThrow(/http:\/\/ or https:\/\/ URL/);
  });
});
