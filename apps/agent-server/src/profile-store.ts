import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { EventKitError, parseInterests } from '@eventkit/core';

export interface ProfileStoreOptions {
  /** Most profiles kept; saving one more evicts the least recently used. Default 1000. */
  maxProfiles?: number;
  /** Most interests per profile. */
  maxInterests?: number;
  /** Used to expand a leading `~` (the Python agent's `~/.event_agent_profiles.json`). */
  home?: string;
}

export interface ProfileStore {
  /** The configured file: read (never written) for profiles saved before the directory existed. */
  readonly file: string;
  /** The directory holding one file per profile: `file` with `.json` replaced by `.d`. */
  readonly dir: string;
  /** The saved interests of `name`, or undefined when there is no such profile. Counts as a use. */
  load(name: string): Promise<string[] | undefined>;
  /** Saves (replaces) the interests of `name`; resolves once its file is durably renamed into place. */
  save(name: string, interests: string | readonly string[]): Promise<string[]>;
  /** All profile names. */
  list(): Promise<string[]>;
}

const NAME_RE = /^[\p{L}\p{N}_.@-]{1,64}$/u;
const PROFILE_FILE = /^[0-9a-f]{32}\.json$/;
const TEMP_PREFIX = '.tmp-';
/** A temporary file this old was left by a process that died mid-save. */
const STALE_TEMP_MS = 60_000;

function checkName(name: string): void {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new EventKitError(
      'INVALID_INPUT',
      'profile name must be 1-64 letters, digits, "_", ".", "@" or "-"',
    );
  }
}

/** The profile directory of a configured store file: `profiles.json` → `profiles.d`. */
export function profileDirOf(file: string): string {
  return `${file.endsWith('.json') ? file.slice(0, -'.json'.length) : file}.d`;
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

function unreadable(what: string, error: unknown): EventKitError {
  return new EventKitError('UNREADABLE_INPUT', `cannot read ${what}: ${(error as Error).message}`, {
    cause: error,
  });
}

/**
 * Saved interest profiles, one small JSON file per profile (`{"name","interests"}`, named by a
 * hash of the name) in one directory, safe for several processes (the agent's workers) at once.
 *
 * A save writes a temporary file, fsyncs it and renames it into place: readers see the old
 * profile or the new one, never half of one, and saves of different names touch different files,
 * so no process can lose another's update (of one name, the last rename wins). Nothing rewrites
 * a file shared by every profile.
 *
 * Bounded: a file's modification time is its last use (a load touches it); a save that adds a
 * profile beyond `maxProfiles` removes the least recently used. Processes saving at the same
 * moment may each evict, so the count is at most `maxProfiles`, and momentarily above it by the
 * saves in flight. The configured JSON file (the Python agent's format) is still read when a
 * profile has no file of its own, and never written.
 *
 * @example
 * const profiles = createProfileStore('~/.event_agent_profiles.json'); // files in ~/.event_agent_profiles.d/
 * await profiles.save('alice', 'agents, ai safety');
 * await profiles.load('alice'); // ['agents', 'ai safety']
 */
export function createProfileStore(
  file: string,
  { maxProfiles = 1000, maxInterests = 50, home = homedir() }: ProfileStoreOptions = {},
): ProfileStore {
  const expanded = file === '~' || file.startsWith('~/') ? path.join(home, file.slice(1)) : file;
  const target = path.resolve(expanded);
  const dir = profileDirOf(target);
  const fileOf = (name: string) =>
    path.join(dir, `${createHash('sha256').update(name).digest('hex').slice(0, 32)}.json`);

  async function readProfile(where: string): Promise<{ name: string; interests: string[] }> {
    const json = JSON.parse(await readFile(where, 'utf8')) as {
      name?: unknown;
      interests?: unknown;
    };
    if (typeof json?.name !== 'string' || !Array.isArray(json.interests)) {
      throw new Error('not a {"name","interests"} object');
    }
    return {
      name: json.name,
      interests: json.interests.filter((v): v is string => typeof v === 'string'),
    };
  }

  /** The legacy single-file store, read only. */
  async function readLegacy(name: string): Promise<string[] | undefined> {
    let text: string;
    try {
      text = await readFile(target, 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw unreadable(`profiles ${target}`, error);
    }
    let json: unknown;
    try {
      json = text.trim() === '' ? {} : JSON.parse(text);
    } catch (error) {
      throw unreadable(`profiles ${target} (not valid JSON; fix or move it away)`, error);
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) return undefined;
    const value = Object.hasOwn(json, name) ? (json as Record<string, unknown>)[name] : undefined;
    return Array.isArray(value)
      ? value.filter((v): v is string => typeof v === 'string')
      : undefined;
  }

  async function writeProfile(name: string, interests: string[]): Promise<boolean> {
    const where = fileOf(name);
    const temp = path.join(
      dir,
      `${TEMP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}.json`,
    );
    try {
      await mkdir(dir, { recursive: true });
      const existed = await stat(where).then(
        () => true,
        () => false,
      );
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify({ name, interests })}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, where);
      return !existed;
    } catch (error) {
      await rm(temp, { force: true });
      throw new EventKitError(
        'WRITE_FAILED',
        `cannot save profile to ${dir}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /** Removes the least recently used profiles beyond `maxProfiles`, and stale temporaries. */
  async function evict(): Promise<void> {
    const names = await readdir(dir);
    const profiles = names.filter((name) => PROFILE_FILE.test(name));
    if (profiles.length <= maxProfiles) return;
    const now = Date.now();
    const aged = await Promise.all(
      names.map(async (name) => {
        const where = path.join(dir, name);
        const info = await stat(where).catch(() => undefined);
        return { name, where, used: info?.mtimeMs ?? Number.NEGATIVE_INFINITY };
      }),
    );
    const stale = aged.filter(
      (entry) => entry.name.startsWith(TEMP_PREFIX) && now - entry.used > STALE_TEMP_MS,
    );
    const byUse = aged
      .filter((entry) => PROFILE_FILE.test(entry.name))
      .sort((a, b) => a.used - b.used);
    const victims = byUse.slice(0, byUse.length - maxProfiles);
    await Promise.all([...stale, ...victims].map((entry) => rm(entry.where, { force: true })));
  }

  return {
    file: target,
    dir,
    async load(name) {
      checkName(name);
      const where = fileOf(name);
      let profile: { name: string; interests: string[] };
      try {
        profile = await readProfile(where);
      } catch (error) {
        if (isMissing(error)) return readLegacy(name);
        throw unreadable(`profile ${where}`, error);
      }
      if (profile.name !== name) return readLegacy(name);
      const now = new Date();
      // A use: it moves to the back of the eviction queue. Losing that to a racing eviction
      // or save is harmless.
      await utimes(where, now, now).catch(() => undefined);
      return profile.interests;
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
      const added = await writeProfile(name, normalised);
      if (added) {
        // The save itself succeeded; a failed clean-up is retried by the next new profile.
        await evict().catch(() => undefined);
      }
      return normalised;
    },
    async list() {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (error) {
        if (isMissing(error)) return [];
        throw unreadable(`profiles ${dir}`, error);
      }
      const profiles = await Promise.all(
        names
          .filter((name) => PROFILE_FILE.test(name))
          .map((name) => readProfile(path.join(dir, name)).catch(() => undefined)),
      );
      return profiles.flatMap((profile) => (profile ? [profile.name] : []));
    },
  };
}
