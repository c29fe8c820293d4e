import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGraphClient } from '../graph/graph-client.js';
import {
  createFakeGraphServer,
  type FakeGraphEvent,
  type FakeGraphServer,
} from '../graph/test-support/fake-graph-server.js';
import { loadManifest, SAMPLE_MANIFEST_PATH } from '../manifest/load-manifest.js';
import { createSessionSource } from './session-source.js';

const EVENT: FakeGraphEvent = {
  id: 'g1',
  subject: 'Agents in Production',
  start: '2026-03-15T09:00:00Z',
  end: '2026-03-15T09:45:00Z',
  categories: ['Agents'],
};
const WINDOW = { start: '2026-03-15', end: '2026-03-16' };

let fake: FakeGraphServer;
beforeEach(async () => {
  fake = await createFakeGraphServer({
    calendars: { 'ada@contoso.test': [EVENT], 'grace@contoso.test': [EVENT] },
  });
});
afterEach(() => fake.close());

/** The Graph session source on a clock the test moves, counting the calendar reads Graph saw. */
async function graphSource(ttlSeconds: number) {
  let clock = Date.parse('2026-03-14T08:00:00Z');
  const now = () => new Date(clock);
  const graph = createGraphClient(fake.config(), { now, sleep: async () => {}, maxRetries: 0 });
  const loaded = await loadManifest(SAMPLE_MANIFEST_PATH);
  const source = createSessionSource(loaded, { graph, graphCacheTtlMs: ttlSeconds * 1000, now });
  return {
    load: (query: Record<string, string | undefined> = {}) =>
      source.load({ source: 'graph', userId: 'ada@contoso.test', ...WINDOW, ...query }),
    reads: () => fake.requests.filter((r) => r.route === 'calendar').length,
    advance: (seconds: number) => {
      clock += seconds * 1000;
    },
  };
}

describe('createSessionSource: the Graph cache', () => {
  it('reads a calendar once within the TTL and says hit, then reads it again after', async () => {
    const graph = await graphSource(60);
    expect((await graph.load()).graphCache).toBe('miss');
    graph.advance(59);
    const again = await graph.load();
    expect(again.graphCache).toBe('hit');
    expect(again.sessions.map((s) => s.id)).toEqual(['g1']);
    expect(graph.reads()).toBe(1);
    graph.advance(1);
    expect((await graph.load()).graphCache).toBe('miss');
    expect(graph.reads()).toBe(2);
  });

  it('turns a burst of concurrent requests into one Graph call', async () => {
    const graph = await graphSource(60);
    const answers = await Promise.all(Array.from({ length: 20 }, () => graph.load()));
    expect(graph.reads()).toBe(1);
    expect(answers.filter((a) => a.graphCache === 'miss')).toHaveLength(1);
  });

  it('keeps one entry per user and per window', async () => {
    const graph = await graphSource(60);
    await graph.load();
    await graph.load({ userId: 'grace@contoso.test' });
    await graph.load({ end: '2026-03-17' });
    expect(graph.reads()).toBe(3);
    // The same instants written another way are the same window.
    expect((await graph.load({ start: '2026-03-15T00:00:00Z' })).graphCache).toBe('hit');
    expect(graph.reads()).toBe(3);
  });

  it('treats "from now" as one window while the clock moves', async () => {
    const graph = await graphSource(60);
    const fromNow = { start: undefined, end: undefined };
    await graph.load(fromNow);
    graph.advance(30);
    expect((await graph.load(fromNow)).graphCache).toBe('hit');
  });

  it('never keeps a failure: the next request asks Graph again', async () => {
    const graph = await graphSource(60);
    fake.fail('calendar', { status: 500 });
    await expect(graph.load()).rejects.toThrow(/Graph/);
    expect((await graph.load()).graphCache).toBe('miss');
    expect(graph.reads()).toBe(2);
  });

  it('answers from a good copy while Graph fails, until the copy expires', async () => {
    const graph = await graphSource(60);
    await graph.load();
    fake.fail('calendar', { status: 500 }, { status: 500 });
    graph.advance(30);
    expect((await graph.load()).sessions.map((s) => s.id)).toEqual(['g1']);
    expect(graph.reads()).toBe(1);
    graph.advance(30);
    await expect(graph.load()).rejects.toThrow(/Graph/);
  });

  it('calls Graph on every request with a TTL of 0, and says nothing about a cache', async () => {
    const graph = await graphSource(0);
    const first = await graph.load();
    await graph.load();
    expect(graph.reads()).toBe(2);
    expect(first).not.toHaveProperty('graphCache');
  });
});
