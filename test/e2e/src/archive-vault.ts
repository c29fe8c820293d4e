import { link, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { listRotatedFiles } from '@eventkit/core/telemetry';

export interface ArchiveVault {
  /** Hard links to every archive seen so far (a retention delete removes only the agent's name). */
  files(): Promise<string[]>;
  /** How many distinct archives were seen. */
  readonly seen: number;
  stop(): Promise<void>;
}

/**
 * Keeps every rotated archive of `file` by hard-linking it into `dir` as soon as it appears. The
 * agent's writer deletes old archives (the drill keeps 100), and a drill with a tiny
 * `maxSizeBytes` rotates far more often than that; the links let the drill count every line the
 * agent ever wrote without changing what the agent or the exporter see.
 */
export async function createArchiveVault(
  file: string,
  dir: string,
  intervalMs = 50,
): Promise<ArchiveVault> {
  await mkdir(dir, { recursive: true });
  const seen = new Set<string>();
  let running = true;

  async function sweep(): Promise<void> {
    const sourceDir = path.dirname(file);
    const prefix = `${path.basename(file)}.`;
    // listRotatedFiles hides the uncompressed twin while gzip runs; link both spellings so
    // nothing is missed, and let listRotatedFiles pick one of them when reading the vault.
    const names = (await readdir(sourceDir)).filter(
      (name) => name.startsWith(prefix) && !name.endsWith('.tmp') && !name.includes('.gz.'),
    );
    for (const name of names) {
      if (seen.has(name)) continue;
      try {
        await link(path.join(sourceDir, name), path.join(dir, name));
        seen.add(name);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') seen.add(name);
        // ENOENT: renamed or deleted in between; the next sweep sees its new name.
      }
    }
  }

  const loop = (async () => {
    while (running) {
      await sweep().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    await sweep().catch(() => {});
  })();

  return {
    async files() {
      // The same naming as the agent's directory, so core decides twins exactly as it would there.
      return listRotatedFiles(path.join(dir, path.basename(file)));
    },
    get seen() {
      return new Set([...seen].map((name) => name.replace(/\.gz$/, ''))).size;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}
