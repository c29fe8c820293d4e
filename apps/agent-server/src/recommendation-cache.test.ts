import { loadManifest, recommendSessions } from '@eventkit/core';
import { describe, expect, it } from 'vitest';
import { createRecommendationCache } from './recommendation-cache.js';
import { PYTHON_MANIFEST } from './test-support/test-deps.js';

const { manifest } = await loadManifest(PYTHON_MANIFEST);
const rank = (interests: string[], top: number) => () =>
  recommendSessions(manifest.sessions, interests, { weights: manifest.weights, top });

describe('createRecommendationCache', () => {
  it('returns the remembered ranking for the same interests in any order', () => {
    const cache = createRecommendationCache();
    const first = cache.get(manifest.sessions, ['agents', 'edge'], 3, rank(['agents', 'edge'], 3));
    const again = cache.get(manifest.sessions, ['edge', 'agents'], 3, rank(['edge', 'agents'], 3));
    expect(first.hit).toBe(false);
    expect(again).toEqual({ rec: first.rec, hit: true });
    expect(again.rec).toEqual(rank(['edge', 'agents'], 3)());
  });

  it('keys on top as well', () => {
    const cache = createRecommendationCache();
    cache.get(manifest.sessions, ['agents'], 3, rank(['agents'], 3));
    expect(cache.get(manifest.sessions, ['agents'], 2, rank(['agents'], 2)).hit).toBe(false);
  });

  it('starts afresh for a new sessions array', () => {
    const cache = createRecommendationCache();
    cache.get(manifest.sessions, ['agents'], 3, rank(['agents'], 3));
    expect(cache.get([...manifest.sessions], ['agents'], 3, rank(['agents'], 3)).hit).toBe(false);
  });

  it('forgets the least recently used beyond maxEntries', () => {
    const cache = createRecommendationCache(2);
    cache.get(manifest.sessions, ['a'], 1, rank(['a'], 1));
    cache.get(manifest.sessions, ['b'], 1, rank(['b'], 1));
    cache.get(manifest.sessions, ['a'], 1, rank(['a'], 1)); // a is now the most recent
    cache.get(manifest.sessions, ['c'], 1, rank(['c'], 1)); // evicts b
    expect(cache.get(manifest.sessions, ['a'], 1, rank(['a'], 1)).hit).toBe(true);
    expect(cache.get(manifest.sessions, ['b'], 1, rank(['b'], 1)).hit).toBe(false);
  });
});
