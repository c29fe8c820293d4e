// Vitest global setup of every package (see vitest.shared.ts): tests run core from its TypeScript
// source, without a build, but the summary's scanner is WebAssembly compiled from
// assembly/writer-line.ts. Build it when it is missing or older than its source, written under a
// temporary name and renamed, so test runs of several packages at once never read half a file.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const core = fileURLToPath(new URL('..', import.meta.url));
const source = `${core}/assembly/writer-line.ts`;
const output = `${core}/wasm/writer-line.wasm`;

export default function buildWasmWhenStale(): void {
  if (existsSync(output) && statSync(output).mtimeMs >= statSync(source).mtimeMs) return;
  mkdirSync(`${core}/wasm`, { recursive: true });
  const temporary = `${output}.${process.pid}.tmp`;
  const asc = `${core}/node_modules/assemblyscript/bin/asc.js`;
  execFileSync(process.execPath, [asc, '--config', 'asconfig.json', '--outFile', temporary], {
    cwd: core,
    stdio: 'inherit',
  });
  renameSync(temporary, output);
}
