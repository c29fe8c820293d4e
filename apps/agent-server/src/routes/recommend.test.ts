import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProfileStore } from '../profile-store.js';
import { tempDir } from '../test-support/temp-dir.js';
import { createTestApp, json, memoryProfiles, REPO_ROOT } from '../test-support/test-deps.js';

const expected = JSON.parse(
  readFileSync(
    path.join(REPO_ROOT, 'fixtures/python-eventkit/python-eventkit-expected.json'),
    'utf8',
  ),
) as {
  recommend: {
    interests: string;
    top: number;
    titles: string[];
    scores: number[];
    contributions: unknown[];
  }[];
  explain: { session: string; interests: string; result: unknown }[];
};

describe('GET /recommend', () => {
  it.each(expected.recommend)(
    'ranks like the Python Event Kit for interests=$interests top=$top',
    async ({ interests, top, titles, scores, contributions }) => {
      const { app } = await createTestApp();
      const res = await app.request(
        `/recommend?interests=${encodeURIComponent(interests)}&top=${top}`,
      );
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body.sessions.map((s: { title: string }) => s.title)).toEqual(titles);
      expect(body.scoring.map((s: { score: number }) => s.score)).toEqual(scores);
      expect(body.scoring.map((s: { contributions: unknown }) => s.contributions)).toEqual(
        contributions,
      );
    },
  );

  it('answers {sessions, scoring, conflicts, source}', async () => {
    const { app } = await createTestApp();
    const res = await app.request('/recommend?interests=agents,ai%20safety&top=5');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await json(res);
    expect(Object.keys(body).sort()).toEqual(['conflicts', 'scoring', 'sessions', 'source']);
    expect(body.source).toBe('manifest');
    expect(body.sessions).toHaveLength(5);
  });

  it('counts real time overlaps: s4 and s5 share 15:30-16:10', async () => {
    const { app } = await createTestApp();
    const res = await app.request('/recommend?interests=agents,ai%20safety&top=5');
    expect((await json(res)).conflicts).toBe(1);
  });

  it("uses the manifest's max_sessions_default when top is absent", async () => {
    const { app } = await createTestApp();
    const body = await json(await app.request('/recommend?interests=agents'));
    expect(body.sessions).toHaveLength(3);
  });

  it('adds an Adaptive Card with card=1', async () => {
    const { app } = await createTestApp();
    const body = await json(await app.request('/recommend?interests=agents&top=2&card=1'));
    expect(body.card).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
    expect(JSON.stringify(body.card)).toContain('Generative Agents in Production');
  });

  it.each([
    ['', 'interests must not be empty'],
    ['interests=', 'interests must not be empty'],
    ['interests=%20,%20;', 'interests must not be empty'],
    [`interests=${'a'.repeat(501)}`, 'interests must be at most 500 characters (got 501)'],
    ['interests=agents%3Cscript%3E', 'interests contain a character that is not allowed: "<"'],
    ['interests=agents%0Aforged', 'interests contain a character that is not allowed: "\\n"'],
    ['interests=agents&top=0', 'top must be a whole number from 1 to 50 (got "0")'],
    ['interests=agents&top=51', 'top must be a whole number from 1 to 50 (got "51")'],
    ['interests=agents&top=-1', 'top must be a whole number from 1 to 50 (got "-1")'],
    ['interests=agents&top=2.5', 'top must be a whole number from 1 to 50 (got "2.5")'],
    ['interests=agents&top=abc', 'top must be a whole number from 1 to 50 (got "abc")'],
    ['interests=agents&card=maybe', 'card must be 1 or 0'],
    ['interests=agents&profileSave=../x', 'profileSave must be 1 to 64 letters'],
  ])('answers 400 for ?%s', async (query, message) => {
    const { app } = await createTestApp();
    const res = await app.request(`/recommend?${query}`);
    expect(res.status).toBe(400);
    expect((await json(res)).error).toContain(message);
  });

  it('saves interests with profileSave and reuses them with profileLoad', async () => {
    const profiles = memoryProfiles();
    const { app } = await createTestApp({ profiles });
    const saved = await app.request(
      '/recommend?interests=AI%20Safety;%20governance&profileSave=alice',
    );
    expect(saved.status).toBe(200);
    expect(profiles.data.get('alice')).toEqual(['ai safety', 'governance']);
    const loaded = await json(await app.request('/recommend?profileLoad=alice&top=1'));
    expect(loaded.sessions[0].title).toBe('AI Safety Foundations');
  });

  it('keeps every profile of 50 concurrent profileSave requests (the real store)', async () => {
    const store = createProfileStore(path.join(tempDir('eventkit-profiles-'), 'profiles.json'));
    const { app } = await createTestApp({ profiles: store });
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        app.request(`/recommend?interests=agents,topic${i}&profileSave=user${i}`),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(await store.list()).toHaveLength(50);
    expect(await store.load('user7')).toEqual(['agents', 'topic7']);
  });

  it('answers 404 for profileLoad of an unknown profile', async () => {
    const { app } = await createTestApp();
    const res = await app.request('/recommend?profileLoad=nobody');
    expect(res.status).toBe(404);
    expect((await json(res)).error).toContain('profile "nobody" not found');
  });

  it('does not save a profile when the request is invalid', async () => {
    const profiles = memoryProfiles();
    const { app } = await createTestApp({ profiles });
    await app.request('/recommend?interests=agents&top=99&profileSave=bob');
    expect(profiles.data.has('bob')).toBe(false);
  });
});
