import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProfileStore } from './profile-store.js';

describe('createProfileStore', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'eventkit-profiles-'));
    file = path.join(dir, 'profiles.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('saves normalised interests and loads them back', async () => {
    const store = createProfileStore(file);
    expect(await store.load('alice')).toBeUndefined();
    expect(await store.save('alice', 'Agents; AI Safety, agents')).toEqual(['agents', 'ai safety']);
    expect(await store.load('alice')).toEqual(['agents', 'ai safety']);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ alice: ['agents', 'ai safety'] });
  });

  it('expands ~ like the Python agent', () => {
    expect(createProfileStore('~/.event_agent_profiles.json', { home: dir }).file).toBe(
      path.join(dir, '.event_agent_profiles.json'),
    );
  });

  it('keeps every update under many concurrent saves, and leaves no temp files', async () => {
    const store = createProfileStore(file);
    const names = Array.from({ length: 200 }, (_, i) => `user${i}`);
    await Promise.all(names.map((name, i) => store.save(name, [`topic${i}`, 'agents'])));
    const saved = JSON.parse(await readFile(file, 'utf8'));
    expect(Object.keys(saved).sort()).toEqual([...names].sort());
    for (const [i, name] of names.entries()) expect(saved[name]).toEqual([`topic${i}`, 'agents']);
    expect(await readdir(dir)).toEqual(['profiles.json']);
  });

  it('applies concurrent saves of one name in call order (last write wins)', async () => {
    const store = createProfileStore(file);
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.save('bob', `v${i}`)));
    expect(await store.load('bob')).toEqual(['v49']);
  });

  it('readers interleaved with writers always see a complete file', async () => {
    const store = createProfileStore(file);
    await store.save('seed', 'x');
    const reads: Promise<unknown>[] = [];
    const writes = Array.from({ length: 50 }, (_, i) => {
      reads.push(readFile(file, 'utf8').then((text) => JSON.parse(text)));
      return store.save(`u${i}`, 'agents');
    });
    await Promise.all(writes);
    const seen = await Promise.all(reads);
    for (const snapshot of seen) expect(snapshot).toHaveProperty('seed');
  });

  it('a failed save does not block later ones', async () => {
    const store = createProfileStore(file, { maxProfiles: 1 });
    await store.save('a', 'x');
    await expect(store.save('b', 'y')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await store.save('a', 'z')).toEqual(['z']);
  });

  it('refuses to overwrite a corrupt file', async () => {
    await writeFile(file, '{"alice": ["agents"');
    const store = createProfileStore(file);
    await expect(store.save('bob', 'x')).rejects.toMatchObject({ code: 'UNREADABLE_INPUT' });
    expect(await readFile(file, 'utf8')).toBe('{"alice": ["agents"');
  });

  it.each(['', 'a/b', '../x', 'x'.repeat(65), 'semi;colon', 'new\nline'])(
    'rejects the profile name %j',
    async (name) => {
      const store = createProfileStore(file);
      await expect(store.save(name, 'x')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    },
  );

  it('rejects empty and oversized interest lists', async () => {
    const store = createProfileStore(file, { maxInterests: 2 });
    await expect(store.save('a', ' , ')).rejects.toThrow(/at least one interest/);
    await expect(store.save('a', 'x,y,z')).rejects.toThrow(/at most 2/);
  });

  it('stores a "__proto__" profile as plain data', async () => {
    const store = createProfileStore(file);
    await store.save('__proto__', 'agents');
    expect(await store.load('__proto__')).toEqual(['agents']);
    expect(await store.list()).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).agents).toBeUndefined();
  });
});
