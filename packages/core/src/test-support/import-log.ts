import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// A module-resolution hook that logs every bare specifier the process asks for: which packages,
// and which of core's public entries, a binary costs, seen from outside the binary.
const LOADER = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  if (!/^(\\.|\\/|file:|node:)/.test(specifier)) appendFileSync(process.env.MODULE_LOG, specifier + '\\n');
  return next(specifier, context);
}
`;
const REGISTER = `import { register } from 'node:module';
register('./loader.mjs', import.meta.url);
`;

export interface ImportLog {
  /** Environment for the child process: `NODE_OPTIONS` with the hook and where it logs. */
  env: { NODE_OPTIONS: string; MODULE_LOG: string };
  /** Empties the log before a run. */
  reset(): void;
  /** The packages and package subpaths imported since `reset()`, sorted, once each. */
  imported(): string[];
}

/** Installs the hook in `dir` (a test's temp directory). */
export function createImportLog(dir: string): ImportLog {
  writeFileSync(join(dir, 'loader.mjs'), LOADER);
  writeFileSync(join(dir, 'register.mjs'), REGISTER);
  const log = join(dir, 'modules.log');
  return {
    env: { NODE_OPTIONS: `--import ${join(dir, 'register.mjs')}`, MODULE_LOG: log },
    reset: () => writeFileSync(log, ''),
    imported: () => [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))].sort(),
  };
}
