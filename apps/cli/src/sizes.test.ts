import { describe, expect, it } from 'vitest';
import { formatSize, parseSize } from './sizes.js';

describe('parseSize', () => {
  it.each([
    ['100MB', 104_857_600],
    ['100mb', 104_857_600],
    ['512KB', 524_288],
    ['1.5GiB', 1_610_612_736],
    ['104857600', 104_857_600],
    ['10 M', 10_485_760],
  ])('reads %s as %i bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['', 'lots', '10XB', '-5MB'])('rejects %j', (text) => {
    expect(() => parseSize(text)).toThrow(/size such as 100MB/);
  });
});

describe('formatSize', () => {
  it.each([
    [512, '512 B'],
    [104_857_600, '100.0 MB'],
    [1536, '1.5 KB'],
  ])('writes %i as %s', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });
});
