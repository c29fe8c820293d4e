import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { EventKitError, parseInterests } from '@eventkit/core';

export interface ProfileStoreOptions {
  /** Most profiles the file may hold; saving a new one beyond that is refused. */
  maxProfiles?: number;
  /** Most interests per profile. */
  maxInterests?: number;
  /** Used to expand a leading `~` (the Python agent's `~/.event_agent_profiles.json`). */
  home?: string;
}

export interface ProfileStore {
  /** Absolute path of the JSON file. */
  readonly file: string;
  /** The saved interests of `name`, or undefined when there is no such profile. */
  load(name: string): Promise<string[] | undefined>;
  /** Saves (replaces) the interests of `name`; resolves once the file is durably renamed into place. */
  save(name: string, interests: string | readonly string[]): Promise<string[]>;
  /** All profile names. */
  list(): Promise<string[]>;
}

const NAME_RE = /^[\p{L}\p{N}_.@-]{1,64}$/u;

function checkName(name: string): void {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new EventKitError(
      'INVALID_INPUT',
      'profile name must be 1-64 letters, digits, "_", ".", "@" or "-"',
    );
  }
}

/**
 * A JSON file of profile name → interests (`{"alice": ["agents", "ai safety"]}`).
 *
 * Writes go to a temporary file in the same directory, are fsynced and renamed over the file,
 * so readers never see a half-written file. Saves are serialised in a queue, each applying its
 * change to the latest file contents, so concurrent saves never corrupt the file or lose an
 * update. Use one store per file per process (the queue does not span processes).
 *
 * @example
 * const profiles = createProfileStore('~/.event_agent_profiles.json');
 * await profiles.save('alice', 'agents, ai safety');
 * await profiles.load('alice'); // ['agents', 'ai safety']
 */
export function createProfileStore(
  file: string,
  { maxProfiles = 10_000, maxInterests = 50, home = homedir() }: ProfileStoreOptions = {},
): ProfileStore {
  const expanded = file === '~' || file.startsWith('~/') ? path.join(home, file.slice(1)) : file;
  const target = path.resolve(expanded);
  let queue: Promise<unknown> = Promise.resolve();

  async function readAll(): Promise<Map<string, string[]>> {
    let text: string;
    try {
      text = await readFile(target, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw new EventKitError(
        'UNREADABLE_INPUT',
        `cannot read profiles ${target}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    let json: unknown;
    try {
      json = text.trim() === '' ? {} : JSON.parse(text);
    } catch (error) {
      throw new EventKitError(
        'UNREADABLE_INPUT',
        `profiles file ${target} is not valid JSON; fix or move it away (saving is refused so nothing is lost)`,
        { cause: error },
      );
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new EventKitError(
        'UNREADABLE_INPUT',
        `profiles file ${target} must hold a JSON object of name → interests`,
      );
    }
    const profiles = new Map<string, string[]>();
    for (const [name, value] of Object.entries(json)) {
      if (Array.isArray(value))
        profiles.set(
          name,
          value.filter((v): v is string => typeof v === 'string'),
        );
    }
    return profiles;
  }

  async function writeAll(profiles: Map<string, string[]>): Promise<void> {
    await mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(Object.fromEntries(profiles), null, 2)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw new EventKitError(
        'WRITE_FAILED',
        `cannot save profiles to ${target}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  function enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  }

  return {
    file: target,
    async load(name) {
      checkName(name);
      return enqueue(async () => (await readAll()).get(name));
    },
    async save(name, interests) {
      checkName(name);
      const normalised = parseInterests(interests);
      if (normalised.length === 0)
        throw new EventKitError('INVALID_INPUT', 'a profile needs at least one interest');
      if (normalised.length > maxInterests) {
        throw new EventKitError(
          'INVALID_INPUT',
          `a profile may hold at most ${maxInterests} interests`,
        );
      }
      return enqueue(async () => {
        const profiles = await readAll();
        if (!profiles.has(name) && profiles.size >= maxProfiles) {
          throw new EventKitError(
            'INVALID_INPUT',
            `the profile store is full (${maxProfiles} profiles)`,
          );
        }
        profiles.set(name, normalised);
        await writeAll(profiles);
        return normalised;
      });
    },
    async list() {
      return enqueue(async () => [...(await readAll()).keys()]);
    },
  };
}
