import { stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { EventKitError } from '../errors.js';
import { formatIssues } from '../manifest/format-issues.js';
import {
  type LoadedManifest,
  MAX_MANIFEST_BYTES,
  parseJsonText,
  readBoundedFile,
} from '../manifest/load-manifest.js';
import { type Session, sessionSchema } from '../manifest/manifest-schema.js';

const externalFileSchema = z.object({
  sessions: z.array(sessionSchema).max(100_000, 'must have at most 100000 sessions'),
});

export interface LoadSessionsOptions {
  /** Told when the external sessions file is enabled but missing (the agent then uses agent.json alone). */
  onWarning?: (message: string) => void;
  maxBytes?: number;
}

/** Manifest order; an external session with a known id replaces it in place, new ones are appended. */
function merge(base: readonly Session[], extra: readonly Session[]): Session[] {
  const merged = [...base];
  const index = new Map(merged.map((s, i) => [s.id, i]));
  for (const session of extra) {
    const at = index.get(session.id);
    if (at === undefined) {
      index.set(session.id, merged.length);
      merged.push(session);
    } else merged[at] = session;
  }
  return merged;
}

/**
 * The sessions the agent recommends from: agent.json's, plus those of
 * `features.externalSessions.file` when enabled (resolved against the manifest's directory;
 * a JSON array of sessions or `{ "sessions": [...] }`, validated like agent.json).
 *
 * A missing external file is not fatal, as in the Python Event Kit: `onWarning` is told and the
 * manifest's sessions are used. An external file that is not valid JSON or fails validation
 * throws `EventKitError('INVALID_MANIFEST')` naming that file and the field.
 *
 * @example
 * const sessions = await loadSessions(await loadManifest('agent.json'), {
 *   onWarning: (message) => logger.warning(message),
 * });
 */
export async function loadSessions(
  loaded: LoadedManifest,
  { onWarning, maxBytes = MAX_MANIFEST_BYTES }: LoadSessionsOptions = {},
): Promise<Session[]> {
  const { manifest, dir } = loaded;
  const external = manifest.features.externalSessions;
  if (!external.enabled) return manifest.sessions;
  const file = path.resolve(dir, external.file);
  let text: string;
  try {
    ({ text } = await readBoundedFile(file, 'External sessions file', maxBytes));
  } catch (error) {
    if (error instanceof EventKitError && error.code === 'MANIFEST_NOT_FOUND') {
      onWarning?.(
        `External sessions file not found: ${file}; using the ${manifest.sessions.length} sessions of ${path.basename(loaded.path)}`,
      );
      return manifest.sessions;
    }
    throw error;
  }
  const json = parseJsonText(text, file);
  const wrapped = Array.isArray(json) ? { sessions: json } : json;
  const result = externalFileSchema.safeParse(wrapped);
  if (!result.success) {
    throw new EventKitError('INVALID_MANIFEST', formatIssues(file, result.error.issues, wrapped), {
      cause: result.error,
    });
  }
  return merge(manifest.sessions, result.data.sessions);
}

/** Loads sessions once and again only when the external sessions file changes. */
export interface SessionLoader {
  load(): Promise<Session[]>;
}

/**
 * A cached `loadSessions` for servers: agent.json's sessions are fixed once loaded; the external
 * sessions file (when enabled) is re-read only when its size, mtime or inode change, so a request
 * costs one `stat`. Concurrent calls share one read. Errors are not cached.
 *
 * @example
 * const sessions = createSessionLoader(loaded, { onWarning: (m) => logger.warning(m) });
 * app.get('/recommend', async (c) => c.json(recommendSessions(await sessions.load(), interests)));
 */
export function createSessionLoader(
  loaded: LoadedManifest,
  options: LoadSessionsOptions = {},
): SessionLoader {
  const external = loaded.manifest.features.externalSessions;
  if (!external.enabled) {
    const sessions = loaded.manifest.sessions;
    return { load: async () => sessions };
  }
  const file = path.resolve(loaded.dir, external.file);
  let cached: { key: string; sessions: Session[] } | undefined;
  let inflight: { key: string; promise: Promise<Session[]> } | undefined;
  return {
    async load() {
      const info = await stat(file).catch(() => undefined);
      const key = info ? `${info.ino}:${info.size}:${info.mtimeMs}` : 'missing';
      if (cached?.key === key) return cached.sessions;
      if (inflight?.key === key) return inflight.promise;
      const promise = loadSessions(loaded, options).then((sessions) => {
        cached = { key, sessions };
        return sessions;
      });
      inflight = { key, promise };
      try {
        return await promise;
      } finally {
        if (inflight?.promise === promise) inflight = undefined;
      }
    },
  };
}
