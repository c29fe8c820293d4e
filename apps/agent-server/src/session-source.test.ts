import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadManifest, SAMPLE_MANIFEST_PATH } from '@eventkit/core';
import { describe, expect, it } from 'vitest';
import { createManifestSessionSource } from './session-source.js';
import { tempDir } from './test-support/temp-dir.js';

async function manifestWithExternal(external: unknown | undefined) {
  const dir = tempDir('eventkit-source-');
  const manifest = JSON.parse(readFileSync(SAMPLE_MANIFEST_PATH, 'utf8'));
  manifest.features.externalSessions = { enabled: true, file: 'sessions_external.json' };
  writeFileSync(path.join(dir, 'agent.json'), JSON.stringify(manifest));
  if (external !== undefined) {
    writeFileSync(path.join(dir, 'sessions_external.json'), JSON.stringify(external));
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

describe('createManifestSessionSource', () => {
  it('says source manifest when the external file is off', async () => {
    const loaded = await loadManifest(SAMPLE_MANIFEST_PATH);
    const { source, sessions } = await createManifestSessionSource(loaded).load({});
    expect(source).toBe('manifest');
    expect(sessions).toBe(loaded.manifest.sessions);
  });

  it('says source external when the external file adds sessions', async () => {
    const loaded = await manifestWithExternal({ sessions: [extra] });
    const { source, sessions } = await createManifestSessionSource(loaded).load({});
    expect(source).toBe('external');
    expect(sessions.at(-1)?.title).toBe('Late Addition');
  });

  it('falls back to the manifest with one warning while the external file is missing', async () => {
    const loaded = await manifestWithExternal(undefined);
    const warnings: string[] = [];
    const sessions = createManifestSessionSource(loaded, { onWarning: (m) => warnings.push(m) });
    for (let i = 0; i < 3; i++) expect((await sessions.load({})).source).toBe('manifest');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('External sessions file not found');
  });
});
