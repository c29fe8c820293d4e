import { stat } from 'node:fs/promises';
import path from 'node:path';
import { type LoadedManifest, loadSessions, type Session } from '@eventkit/core';
import type { SessionSource } from './app-types.js';

export interface ManifestSessionSourceOptions {
  onWarning?: (message: string) => void;
}

/**
 * Sessions from agent.json, merged with `features.externalSessions.file` when enabled. The
 * external file is re-read only when its size or mtime changed, so editing it takes effect
 * without a restart while a request costs one stat(). `source` is `manifest` or `external`.
 */
export function createManifestSessionSource(
  loaded: LoadedManifest,
  { onWarning }: ManifestSessionSourceOptions = {},
): SessionSource {
  const { manifest, dir } = loaded;
  const external = manifest.features.externalSessions;
  if (!external.enabled) {
    const result = { sessions: manifest.sessions, source: 'manifest' };
    return { load: async () => result };
  }
  const file = path.resolve(dir, external.file);
  let cached: { key: string; sessions: readonly Session[]; source: string } | undefined;
  let warned = false;
  return {
    async load() {
      const info = await stat(file).catch(() => undefined);
      const key = info ? `${info.size}:${info.mtimeMs}:${info.ino}` : 'missing';
      if (cached?.key !== key) {
        const sessions = await loadSessions(loaded, {
          onWarning: (message) => {
            if (!warned) onWarning?.(message);
            warned = true;
          },
        });
        if (info) warned = false;
        cached = {
          key,
          sessions,
          source: sessions === manifest.sessions ? 'manifest' : 'external',
        };
      }
      return { sessions: cached.sessions, source: cached.source };
    },
  };
}
