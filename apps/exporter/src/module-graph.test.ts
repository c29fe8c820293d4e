import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const coreSrc = resolve(here, '../../../packages/core/src');

/** Static `import … from` / `export … from` specifiers (not `await import(...)`, which is lazy). */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)';/gms)]
    .filter((match) => !/^(?:import|export)\s+type\s/.test(match[0]))
    .map((match) => match[1] as string);
}

/** `await import('…')` specifiers: modules loaded later, on some path only. */
function lazyImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map((match) => match[1] as string);
}

/** Every module `entry` loads at startup: workspace files (relative to the repo) and packages. */
function startupGraph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    for (const specifier of staticImports(file)) {
      if (specifier.startsWith('.')) {
        pending.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      } else if (specifier === '@eventkit/core/telemetry') {
        pending.push(join(coreSrc, 'telemetry.ts'));
      } else if (specifier === '@eventkit/core') {
        pending.push(join(coreSrc, 'index.ts'));
      } else {
        packages.add(specifier);
      }
    }
  }
  const root = resolve(here, '../../..');
  return { files: [...files].map((file) => relative(root, file)).sort(), packages: [...packages] };
}

describe('what the exporter loads at startup', () => {
  const graph = startupGraph(join(here, 'main.ts'));

  it("imports core only through @eventkit/core/telemetry (core's whole index costs ~9 MB of RSS)", () => {
    const coreFiles = graph.files.filter((file) => file.startsWith('packages/core/'));
    expect(coreFiles).toContain('packages/core/src/telemetry.ts');
    expect(coreFiles).not.toContain('packages/core/src/index.ts');
    for (const file of coreFiles) {
      expect(file).not.toMatch(/\/(manifest|agent|metrics|graph|logging)\//);
    }
  });

  it("loads the manifest (for the default --file) lazily from core's manifest subpath, never the whole index", () => {
    const root = resolve(here, '../../..');
    const lazy = graph.files.flatMap((file) => lazyImports(join(root, file)));
    expect(lazy).toContain('@eventkit/core/manifest');
    expect(lazy).not.toContain('@eventkit/core');
  });

  it('loads no package beyond node builtins, commander and prom-client (zod alone is ~14 MB)', () => {
    const outside = graph.packages.filter((name) => !name.startsWith('node:'));
    expect(outside.sort()).toEqual(['commander', 'prom-client']);
  });
});
