import { recommendSessions } from '@eventkit/core';
import { loadManifest } from '@eventkit/core/manifest';
import { describe, expect, it } from 'vitest';
import { createRecommendationCache } from './recommendation-cache.js';
import { PYTHON_MANIFEST } from './test-support/test-deps.js';

const { manifest } = await loadManifest(PYTHON_MANIFEST);
const { sessions } = manifest;
const rank = (interests: string[], top: number) =>
  recommendSessions(sessions, interests, { weights: manifest.weights, top });

describe('createRecommendationCache', () => {
  it('returns the remembered ranking for the same interests in any order', () => {
    const cache = createRecommendationCache();
    const key = cache.key(['agents', 'edge'], 3);
    expect(cache.get(sessions, key)).toBeUndefined();
    const rec = rank(['agents', 'edge'], 3);
    cache.remember(sessions, key, rec);
    const again = cache.get(sessions, cache.key(['edge', 'agents'], 3));
    expect(again).toBe(rec);
    expect(again).toEqual(rank(['edge', 'agents'], 3));
  });

  it('keys on top as well', () => {
    const cache = createRecommendationCache();
    cache.remember(sessions, cache.key(['agents'], 3), rank(['agents'], 3));
    expect(cache.key(['agents'], 2)).not.toBe(cache.key(['agents'], 3));
    expect(cache.get(sessions, cache.key(['agents'], 2))).toBeUndefined();
  });

  it.each([
    [['a', 'b'], ['a\u0000b']],
    [['a b'], ['a', 'b']],
  ])('keeps different interest sets %j and %j apart', (one, other) => {
    const cache = createRecommendationCache();
    expect(cache.key(one, 3)).not.toBe(cache.key(other, 3));
  });

  it('gives a repeated interests array the same key without changing it', () => {
    const cache = createRecommendationCache();
    const interests = ['zeta', 'alpha'];
    expect(cache.key(interests, 5)).toBe(cache.key(interests, 5));
    expect(interests).toEqual(['zeta', 'alpha']);
  });

  it('starts afresh for a new sessions array', () => {
    const cache = createRecommendationCache();
    const key = cache.key(['agents'], 3);
    cache.remember(sessions, key, rank(['agents'], 3));
    expect(cache.get([...sessions], key)).toBeUndefined();
  });

  it('forgets the least recently used beyond maxEntries', () => {
    const cache = createRecommendationCache(2);
    const [a, b, c] = [['a'], ['b'], ['c']].map((i) => cache.key(i, 1)) as [string, string, string];
    cache.remember(sessions, a, rank(['a'], 1));
    cache.remember(sessions, b, rank(['b'], 1));
    cache.get(sessions, a); // a is now the most recent
    cache.remember(sessions, c, rank(['c'], 1)); // evicts b
    expect(cache.get(sessions, a)).toBeDefined();
    expect(cache.get(sessions, b)).toBeUndefined();
  });
});
