import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isEventKitError } from '../errors.js';
import type { GraphClient, ListSessionsOptions } from '../graph/graph-client.js';
import { loadManifest, SAMPLE_MANIFEST_PATH } from '../manifest/load-manifest.js';
import { createSessionSource } from './session-source.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'eventkit-source-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function manifestWithExternal(external: unknown | undefined) {
  const manifest = JSON.parse(await readFile(SAMPLE_MANIFEST_PATH, 'utf8'));
  manifest.features.externalSessions = { enabled: true, file: 'sessions_external.json' };
  await writeFile(path.join(dir, 'agent.json'), JSON.stringify(manifest));
  if (external !== undefined) {
    await writeFile(path.join(dir, 'sessions_external.json'), JSON.stringify(external));
  }
  return loadManifest(path.join(dir, 'agent.json'));
}

const extra = {
  id: 'x1',
  title: 'Late Addition',
  start: '18:00',
  end: '18:30',
  tags: ['agents'],
  popularity: 0.5,
};

/** A Graph client that records what it was asked for and answers with no sessions. */
function recordingGraph(): GraphClient & { asked: ListSessionsOptions[] } {
  const asked: ListSessionsOptions[] = [];
  return {
    asked,
    listSessions: async (options) => {
      asked.push(options);
      return [];
    },
    checkAuth: async () => {},
  };
}

async function rejection(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isEventKitError(error)) throw new Error(`expected an EventKitError, got ${String(error)}`);
  return { code: error.code, message: error.message };
}

describe('createSessionSource: the manifest', () => {
  it('says source manifest when the external file is off', async () => {
    const loaded = await loadManifest(SAMPLE_MANIFEST_PATH);
    const { source, sessions } = await createSessionSource(loaded).load();
    expect(source).toBe('manifest');
    expect(sessions).toBe(loaded.manifest.sessions);
  });

  it('says source external when the external file adds sessions', async () => {
    const loaded = await manifestWithExternal({ sessions: [extra] });
    const { source, sessions } = await createSessionSource(loaded).load({ source: 'manifest' });
    expect(source).toBe('external');
    expect(sessions.at(-1)?.title).toBe('Late Addition');
  });

  it('falls back to the manifest with one warning while the external file is missing', async () => {
    const loaded = await manifestWithExternal(undefined);
    const warnings: string[] = [];
    const sessions = createSessionSource(loaded, { onWarning: (m) => warnings.push(m) });
    for (let i = 0; i < 3; i++) expect((await sessions.load()).source).toBe('manifest');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('External sessions file not found');
  });
});

describe('createSessionSource: a Graph calendar', () => {
  it('reads the named user in the window asked for', async () => {
    const graph = recordingGraph();
    const loaded = await loadManifest(SAMPLE_MANIFEST_PATH);
    const result = await createSessionSource(loaded, { graph }).load({
      source: 'graph',
      userId: 'ada@contoso.test',
      start: '2026-03-15',
      end: '2026-03-16',
    });
    expect(result).toEqual({ sessions: [], source: 'graph' });
    expect(graph.asked).toEqual([
      {
        userId: 'ada@contoso.test',
        start: new Date('2026-03-15T00:00:00Z'),
        end: new Date('2026-03-16T00:00:00Z'),
      },
    ]);
  });

  it('defaults to the next 7 days from now', async () => {
    const graph = recordingGraph();
    const loaded = await loadManifest(SAMPLE_MANIFEST_PATH);
    const now = () => new Date('2026-03-15T08:00:00Z');
    await createSessionSource(loaded, { graph, now }).load({ source: 'graph' });
    expect(graph.asked[0]).toMatchObject({
      start: new Date('2026-03-15T08:00:00Z'),
      end: new Date('2026-03-22T08:00:00Z'),
    });
  });

  it.each([
    [{ source: 'elsewhere' }, 'source must be manifest or graph'],
    [{ source: 'graph', userId: 'a/b' }, 'userId must be a Graph user id'],
    [{ source: 'graph', start: 'yesterday' }, 'start must be an ISO date'],
  ])('refuses %o as INVALID_INPUT', async (query, message) => {
    const loaded = await loadManifest(SAMPLE_MANIFEST_PATH);
    const source = createSessionSource(loaded, { graph: recordingGraph() });
    const error = await rejection(source.load(query));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain(message);
  });

  it('refuses source=graph without a Graph client, naming the settings to set', async () => {
    const loaded = await loadManifest(SAMPLE_MANIFEST_PATH);
    const error = await rejection(createSessionSource(loaded).load({ source: 'graph' }));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET');
  });
});
