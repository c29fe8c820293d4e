import { utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadManifest } from '../manifest/load-manifest.js';
import { tempDir } from '../test-support/temp-dir.js';
import { createSessionLoader, loadSessions } from './load-sessions.js';

const session = (id: string, title = `Talk ${id}`) => ({
  id,
  title,
  start: '10:00',
  end: '10:30',
  location: 'Hall A',
  tags: ['agents'],
  popularity: 0.5,
});

describe('loadSessions', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('eventkit-sessions-');
  });

  async function manifestWith(externalSessions: unknown) {
    await writeFile(
      path.join(dir, 'agent.json'),
      JSON.stringify({
        sessions: [session('s1'), session('s2')],
        features: { externalSessions },
      }),
    );
    return loadManifest(path.join(dir, 'agent.json'));
  }

  it('returns the manifest sessions when external sessions are disabled', async () => {
    const loaded = await manifestWith({ enabled: false, file: 'missing.json' });
    expect((await loadSessions(loaded)).map((s) => s.id)).toEqual(['s1', 's2']);
  });

  it('adds the external file (resolved against the manifest directory) and replaces known ids', async () => {
    await writeFile(
      path.join(dir, 'extra.json'),
      JSON.stringify([session('s2', 'Updated talk'), session('x1')]),
    );
    const loaded = await manifestWith({ enabled: true, file: 'extra.json' });
    const sessions = await loadSessions(loaded);
    expect(sessions.map((s) => [s.id, s.title])).toEqual([
      ['s1', 'Talk s1'],
      ['s2', 'Updated talk'],
      ['x1', 'Talk x1'],
    ]);
  });

  it('accepts an object with a sessions array', async () => {
    await writeFile(path.join(dir, 'extra.json'), JSON.stringify({ sessions: [session('x1')] }));
    const loaded = await manifestWith({ enabled: true, file: 'extra.json' });
    expect(await loadSessions(loaded)).toHaveLength(3);
  });

  it('falls back to the manifest sessions with a warning when the external file is missing', async () => {
    const loaded = await manifestWith({ enabled: true, file: 'sessions_external.json' });
    const warnings: string[] = [];
    const sessions = await loadSessions(loaded, { onWarning: (m) => warnings.push(m) });
    expect(sessions.map((s) => s.id)).toEqual(['s1', 's2']);
    expect(warnings).toEqual([
      `External sessions file not found: ${path.join(dir, 'sessions_external.json')}; using the 2 sessions of agent.json`,
    ]);
  });

  it('names the external file and field when it is invalid', async () => {
    await writeFile(
      path.join(dir, 'extra.json'),
      JSON.stringify([{ ...session('x1'), popularity: 7 }]),
    );
    const loaded = await manifestWith({ enabled: true, file: 'extra.json' });
    await expect(loadSessions(loaded)).rejects.toMatchObject({
      code: 'INVALID_MANIFEST',
      message: `${path.join(dir, 'extra.json')}: sessions[0].popularity must be between 0 and 1`,
    });
  });

  it('reports invalid JSON in the external file with its position', async () => {
    await writeFile(path.join(dir, 'extra.json'), '[\n  {"id": }\n]');
    const loaded = await manifestWith({ enabled: true, file: 'extra.json' });
    await expect(loadSessions(loaded)).rejects.toThrow(
      `${path.join(dir, 'extra.json')}:2:10: invalid JSON`,
    );
  });

  it('createSessionLoader re-reads the external file only when it changes', async () => {
    const extra = path.join(dir, 'extra.json');
    await writeFile(extra, JSON.stringify([session('x1')]));
    const loaded = await manifestWith({ enabled: true, file: 'extra.json' });
    const loader = createSessionLoader(loaded);
    const first = await loader.load();
    expect(first.map((s) => s.id)).toEqual(['s1', 's2', 'x1']);
    const [a, b] = await Promise.all([loader.load(), loader.load()]);
    expect(a).toBe(first);
    expect(b).toBe(first);
    await writeFile(extra, JSON.stringify([session('x1'), session('x2')]));
    await utimes(extra, new Date(), new Date(Date.now() + 5000));
    expect((await loader.load()).map((s) => s.id)).toEqual(['s1', 's2', 'x1', 'x2']);
  });

  it('createSessionLoader returns the manifest sessions when external sessions are off', async () => {
    const loaded = await manifestWith({ enabled: false });
    expect(await createSessionLoader(loaded).load()).toBe(loaded.manifest.sessions);
  });

  it('createSessionLoader does not cache failures', async () => {
    const extra = path.join(dir, 'extra.json');
    await writeFile(extra, '[');
    const loaded = await manifestWith({ enabled: true, file: 'extra.json' });
    const loader = createSessionLoader(loaded);
    await expect(loader.load()).rejects.toMatchObject({ code: 'INVALID_MANIFEST' });
    await writeFile(extra, JSON.stringify([session('x9')]));
    await utimes(extra, new Date(), new Date(Date.now() + 5000));
    expect((await loader.load()).map((s) => s.id)).toContain('x9');
  });
});
