import { createSessionLoader, type LoadedManifest } from '@eventkit/core';
import type { SessionSource } from './app-types.js';

export interface ManifestSessionSourceOptions {
  onWarning?: (message: string) => void;
}

/**
 * Sessions from agent.json merged with `features.externalSessions.file` when enabled (core's
 * cached loader: one stat() per request, re-read on change). `source` says which was used:
 * `manifest`, or `external` when the external file contributed.
 */
export function createManifestSessionSource(
  loaded: LoadedManifest,
  options: ManifestSessionSourceOptions = {},
): SessionSource {
  const loader = createSessionLoader(loaded, options);
  const manifestSessions = loaded.manifest.sessions;
  return {
    async load() {
      const sessions = await loader.load();
      return { sessions, source: sessions === manifestSessions ? 'manifest' : 'external' };
    },
  };
}
