import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadManifest, parseManifest } from '../manifest/load-manifest.js';
import { parseInterests } from './interests.js';
import { loadSessions } from './load-sessions.js';
import { explainSession, recommendSessions } from './scoring.js';

const fixtures = new URL('../../../../fixtures/python-eventkit/', import.meta.url);
const readJson = (name: string) => JSON.parse(readFileSync(new URL(name, fixtures), 'utf8'));

interface RecommendCase {
  interests: string;
  top: number;
  titles: string[];
  scores: number[];
  contributions: { interest_match: number; popularity: number; diversity: number }[];
}
interface ExplainCase {
  session: string;
  interests: string;
  result: Record<string, unknown>;
}

const expected = readJson('python-eventkit-expected.json') as {
  manifest: string;
  recommend: RecommendCase[];
  explain: ExplainCase[];
};
const manifest = parseManifest(readJson(expected.manifest), expected.manifest);

describe('compatibility with the Python Event Kit', () => {
  it('covers every case of the expected file', () => {
    expect(Object.keys(expected).sort()).toEqual(['explain', 'manifest', 'recommend']);
    expect(expected.recommend.length).toBeGreaterThan(0);
    expect(expected.explain.length).toBeGreaterThan(0);
  });

  it.each(expected.recommend)('recommend "$interests" top=$top', (c) => {
    const rec = recommendSessions(manifest.sessions, parseInterests(c.interests), {
      weights: manifest.weights,
      top: c.top,
    });
    expect(rec.sessions.map((s) => s.title)).toEqual(c.titles);
    expect(rec.scoring.map((s) => s.title)).toEqual(c.titles);
    expect(rec.scoring.map((s) => s.score)).toEqual(c.scores);
    expect(rec.scoring.map((s) => s.contributions)).toEqual(c.contributions);
  });

  it.each(expected.explain)('explain "$session" for "$interests"', (c) => {
    const result = explainSession(manifest.sessions, c.session, c.interests, manifest.weights);
    if ('error' in c.result) {
      expect(c.result.error).toBe('session not found');
      expect(result).toBeUndefined();
    } else {
      // Exact equality, including the unrounded float (e.g. 2.4530000000000003).
      expect(result).toStrictEqual(c.result);
    }
  });

  it('returns the same scoring as the Python telemetry fixture recorded', () => {
    const lines = readFileSync(new URL('python-eventkit-telemetry.jsonl', fixtures), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const explained = lines.find((l) => l.action === 'explain' && l.success);
    expect(
      explainSession(manifest.sessions, explained.payload.title, 'agents', manifest.weights),
    ).toStrictEqual(explained.payload);
    // The first recorded recommend rounds scores to 3 decimals, as the expected file does.
    const recommended = lines.find((l) => l.action === 'recommend' && l.success);
    const rec = recommendSessions(manifest.sessions, 'agents, ai safety', {
      weights: manifest.weights,
      top: 2,
    });
    expect(rec.sessions).toStrictEqual(recommended.payload.sessions);
    expect(rec.scoring).toStrictEqual(recommended.payload.scoring);
    expect(rec.conflicts).toBe(recommended.payload.conflicts);
  });

  it('gives the same results through loadManifest + loadSessions (missing external file falls back)', async () => {
    const file = new URL(expected.manifest, fixtures).pathname;
    const warnings: string[] = [];
    const loaded = await loadManifest(file);
    const sessions = await loadSessions(loaded, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringContaining('sessions_external.json')]);
    for (const c of expected.recommend) {
      const rec = recommendSessions(sessions, c.interests, {
        weights: loaded.manifest.weights,
        top: c.top,
      });
      expect(rec.scoring.map((s) => [s.title, s.score])).toEqual(
        c.titles.map((t, i) => [t, c.scores[i]]),
      );
    }
  });
});
