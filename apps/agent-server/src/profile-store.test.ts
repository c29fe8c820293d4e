import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createProfileStore, profileDirOf } from './profile-store.js';
import { APP_ROOT } from './test-support/built-server.js';
import { tempDir } from './test-support/temp-dir.js';

describe('createProfileStore', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = tempDir('eventkit-profiles-');
    file = path.join(dir, 'profiles.json');
  });

  it('saves normalised interests and loads them back, one file per profile in profiles.d', async () => {
    const store = createProfileStore(file);
    expect(store.dir).toBe(path.join(dir, 'profiles.d'));
    expect(await store.load('alice')).toBeUndefined();
    expect(await store.save('alice', 'Agents; AI Safety, agents')).toEqual(['agents', 'ai safety']);
    expect(await store.load('alice')).toEqual(['agents', 'ai safety']);
    const files = await readdir(store.dir);
    expect(files).toEqual([expect.stringMatching(/^[0-9a-f]{32}\.json$/)]);
    expect(JSON.parse(await readFile(path.join(store.dir, files[0] as string), 'utf8'))).toEqual({
      name: 'alice',
      interests: ['agents', 'ai safety'],
    });
    expect(existsSync(file)).toBe(false);
  });

  it.each([
    ['profiles.json', 'profiles.d'],
    ['.event_agent_profiles.json', '.event_agent_profiles.d'],
    ['profiles', 'profiles.d'],
  ])('keeps the profiles of %s in %s', (name, expected) => {
    expect(profileDirOf(`/srv/${name}`)).toBe(`/srv/${expected}`);
  });

  it('expands ~ like the Python agent', () => {
    expect(createProfileStore('~/.event_agent_profiles.json', { home: dir }).file).toBe(
      path.join(dir, '.event_agent_profiles.json'),
    );
  });

  it('still reads profiles from a JSON file of name → interests, and never rewrites it', async () => {
    const legacy = '{"alice": ["agents"], "bob": ["edge"]}';
    await writeFile(file, legacy);
    const store = createProfileStore(file);
    expect(await store.load('alice')).toEqual(['agents']);
    await store.save('alice', 'governance');
    expect(await store.load('alice')).toEqual(['governance']);
    expect(await store.load('bob')).toEqual(['edge']);
    expect(await readFile(file, 'utf8')).toBe(legacy);
  });

  it('keeps every update under many concurrent saves, and leaves no temp files', async () => {
    const store = createProfileStore(file);
    const names = Array.from({ length: 200 }, (_, i) => `user${i}`);
    await Promise.all(names.map((name, i) => store.save(name, [`topic${i}`, 'agents'])));
    expect((await store.list()).sort()).toEqual([...names].sort());
    for (const [i, name] of names.entries()) {
      expect(await store.load(name)).toEqual([`topic${i}`, 'agents']);
    }
    expect(await readdir(store.dir)).toHaveLength(200);
  });

  it('keeps one of the values of concurrent saves of one name, whole', async () => {
    const store = createProfileStore(file);
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.save('bob', `v${i}`)));
    const value = await store.load('bob');
    expect(value).toHaveLength(1);
    expect(value?.[0]).toMatch(/^v\d+$/);
    expect(await store.list()).toEqual(['bob']);
  });

  it('is bounded: 500 distinct names with a maximum of 100 leave the 100 last used', async () => {
    const store = createProfileStore(file, { maxProfiles: 100 });
    for (let i = 0; i < 500; i++) await store.save(`user${i}`, 'agents');
    const kept = await store.list();
    expect(kept).toHaveLength(100);
    expect(kept).toContain('user499');
    expect(kept).not.toContain('user0');
    expect(await readdir(store.dir)).toHaveLength(100);
  });

  it('evicts the least recently used: a load keeps a profile', async () => {
    const store = createProfileStore(file, { maxProfiles: 2 });
    await store.save('old', 'x');
    await store.save('older', 'y');
    // Distinct use times without waiting: the profiles' files carry them.
    const past = (seconds: number) => new Date(Date.now() - seconds * 1000);
    const files = await readdir(store.dir);
    for (const [i, name] of files.entries())
      await utimes(path.join(store.dir, name), past(60 + i), past(60 + i));
    expect(await store.load('old')).toEqual(['x']);
    await store.save('new', 'z');
    expect((await store.list()).sort()).toEqual(['new', 'old']);
  });

  it('two processes saving at once lose no update', async () => {
    const module = path.join(APP_ROOT, 'dist/profile-store.js');
    if (!existsSync(module)) throw new Error(`${module} is missing: build first`);
    // Each process saves 150 names of its own and 20 shared ones, all at once.
    const script = `
      const { createProfileStore } = await import(${JSON.stringify(module)});
      const store = createProfileStore(process.env.FILE);
      const who = process.env.WHO;
      const go = new Promise((resolve) => process.once('message', resolve));
      process.send('ready');
      await go;
      await Promise.all([
        ...Array.from({ length: 150 }, (_, i) => store.save(who + '-' + i, ['from-' + who, 't' + i])),
        ...Array.from({ length: 20 }, (_, i) => store.save('shared-' + i, ['from-' + who])),
      ]);
      process.send('done', () => process.disconnect());
    `;
    // Real processes, as the agent's workers are, with an IPC channel to start them together.
    const runners = ['a', 'b'].map((who) =>
      spawn(process.execPath, ['--input-type=module', '-e', script], {
        env: { PATH: process.env.PATH, FILE: file, WHO: who },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      }),
    );
    const next = (child: (typeof runners)[number], what: string) =>
      new Promise<void>((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`saver exited with ${code}`));
        child.once('exit', onExit);
        child.once('message', (message) => {
          child.off('exit', onExit);
          if (message === what) resolve();
          else reject(new Error(`expected ${what}, got ${String(message)}`));
        });
      });
    await Promise.all(runners.map((child) => next(child, 'ready')));
    const done = runners.map((child) => next(child, 'done'));
    for (const child of runners) child.send('go');
    await Promise.all(done);
    await Promise.all(
      runners.map((child) =>
        child.exitCode !== null
          ? child.exitCode
          : new Promise((resolve) => child.once('exit', resolve)),
      ),
    );
    const store = createProfileStore(file);
    const names = await store.list();
    expect(names).toHaveLength(320);
    for (const who of ['a', 'b']) {
      for (let i = 0; i < 150; i++) {
        expect(await store.load(`${who}-${i}`)).toEqual([`from-${who}`, `t${i}`]);
      }
    }
    for (let i = 0; i < 20; i++) {
      expect(['from-a', 'from-b']).toContain((await store.load(`shared-${i}`))?.[0]);
    }
    expect((await readdir(store.dir)).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('reports a profile file that is not JSON as unreadable, and a save replaces it', async () => {
    const store = createProfileStore(file);
    await store.save('alice', 'x');
    const [name] = await readdir(store.dir);
    await writeFile(path.join(store.dir, name as string), '{"name": "alice"');
    await expect(store.load('alice')).rejects.toMatchObject({ code: 'UNREADABLE_INPUT' });
    await store.save('alice', 'y');
    expect(await store.load('alice')).toEqual(['y']);
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
