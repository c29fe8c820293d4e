import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

export type AppPackage = '@eventkit/agent-server' | '@eventkit/exporter' | '@eventkit/cli';

/**
 * The built entry point of an app, found through its package (its `package.json` `bin`), never
 * through a relative path into another package's sources. Fails with what to run when the app has
 * not been built.
 */
export function builtBin(pkg: AppPackage): string {
  const manifestPath = require.resolve(`${pkg}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    bin?: string | Record<string, string>;
  };
  const bin =
    typeof manifest.bin === 'string' ? manifest.bin : Object.values(manifest.bin ?? {})[0];
  if (!bin) throw new Error(`${pkg} declares no bin in its package.json`);
  const file = path.resolve(path.dirname(manifestPath), bin);
  if (!existsSync(file)) {
    throw new Error(
      `${pkg} is not built (${file} is missing): run pnpm exec turbo run build --filter=@eventkit/e2e...`,
    );
  }
  return file;
}

/** The repository root (for deploy/ files), found from the workspace file. */
export function repoRoot(): string {
  let dir = path.dirname(new URL(import.meta.url).pathname);
  for (;;) {
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root (pnpm-workspace.yaml)');
    dir = parent;
  }
}
