import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestApp, json, REPO_ROOT } from '../test-support/test-deps.js';

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

describe('GET /explain', () => {
  it.each(expected.explain)(
    'explains $session for $interests like the Python Event Kit (404 when unknown)',
    async ({ session, interests, result }) => {
      const { app } = await createTestApp();
      const res = await app.request(
        `/explain?session=${encodeURIComponent(session)}&interests=${encodeURIComponent(interests)}`,
      );
      expect(res.status).toBe('error' in (result as object) ? 404 : 200);
      expect(await json(res)).toEqual(result);
    },
  );

  it.each([
    ['interests=agents', 'session must not be empty'],
    ['session=%01x', 'session contains a control character'],
    ['session=AI%20Safety%20Foundations&interests=', 'interests must not be empty'],
  ])('answers 400 for ?%s', async (query, message) => {
    const { app } = await createTestApp();
    const res = await app.request(`/explain?${query}`);
    expect(res.status).toBe(400);
    expect((await json(res)).error).toContain(message);
  });
});
