import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isEventKitError } from '@eventkit/core';
import { loadManifest, parseManifest, SAMPLE_MANIFEST_PATH } from '@eventkit/core/manifest';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtBin } from './bins.js';

const SEED = 4_242;
const tried: Record<string, number> = {};
let dir: string;
let sample: Record<string, unknown>;

type JsonPath = Array<string | number>;

/** Every path to a value in `value` (objects and arrays descended), sessions sampled to a few. */
function pathsOf(value: unknown, prefix: JsonPath = []): JsonPath[] {
  const out: JsonPath[] = [prefix];
  if (Array.isArray(value)) {
    value.slice(0, 3).forEach((item, i) => {
      out.push(...pathsOf(item, [...prefix, i]));
    });
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) out.push(...pathsOf(item, [...prefix, key]));
  }
  return out;
}

function mutate(base: unknown, at: JsonPath, op: 'delete' | 'replace', replacement: unknown) {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  if (at.length === 0) return op === 'delete' ? undefined : replacement;
  let parent = copy as Record<string | number, unknown>;
  for (const key of at.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = at[at.length - 1] as string | number;
  if (op === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else parent[last] = replacement;
  return copy;
}

/** A rejection must be our error with a message that says where: never another exception. */
function expectClearRejection(error: unknown, source: string) {
  if (!isEventKitError(error)) throw new Error(`not an EventKitError: ${String(error)}`);
  expect(['INVALID_MANIFEST', 'MANIFEST_NOT_FOUND']).toContain(error.code);
  expect(error.message.startsWith(source) || error.message.includes(source)).toBe(true);
  expect(error.message).not.toMatch(/\[object Object\]|undefined is not|Cannot read prop/);
  expect(error.message.length).toBeLessThan(4000);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'eventkit-fuzz-manifest-'));
  sample = JSON.parse(await readFile(SAMPLE_MANIFEST_PATH, 'utf8'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  process.stdout.write(`fuzz manifest: cases tried ${JSON.stringify(tried)}\n`);
});

describe('fuzz: agent.json manifests', () => {
  it('parseManifest on arbitrary JSON: a manifest or an INVALID_MANIFEST naming agent.json', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (json) => {
        tried['arbitrary JSON'] = (tried['arbitrary JSON'] ?? 0) + 1;
        try {
          parseManifest(json);
        } catch (error) {
          expectClearRejection(error, 'agent.json');
        }
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('parseManifest on the sample with a field missing or of the wrong type: the message names the field', () => {
    const paths = pathsOf(sample).filter((p) => p.length > 0);
    fc.assert(
      fc.property(
        fc.constantFrom(...paths),
        fc.constantFrom('delete' as const, 'replace' as const),
        fc.oneof(
          fc.jsonValue({ maxDepth: 2 }),
          fc.constantFrom(-1, 2, 1e308, '', 'x'.repeat(5000), [], {}, null),
        ),
        (at, op, replacement) => {
          tried['mutated sample'] = (tried['mutated sample'] ?? 0) + 1;
          const json = mutate(sample, at, op, replacement);
          try {
            parseManifest(json);
          } catch (error) {
            expectClearRejection(error, 'agent.json');
            const field = at.filter((k) => typeof k === 'string').at(-1);
            // The message points at the broken field (or its object), not just "invalid".
            if (field && op === 'replace' && at.length <= 2) {
              expect((error as Error).message).toMatch(new RegExp(`${at[0]}`));
            }
          }
        },
      ),
      { seed: SEED + 1, numRuns: 1500 },
    );
  });

  it.each([
    [
      '11 MB file',
      async (file: string) =>
        writeFile(file, `{"sessions":[],"pad":"${'x'.repeat(11 * 1024 * 1024)}"}`),
    ],
    [
      'deeply nested (100,000 levels)',
      async (file: string) =>
        writeFile(file, `{"sessions":${'['.repeat(100_000)}${']'.repeat(100_000)}}`),
    ],
    [
      '20,000 sessions with wrong popularity',
      async (file: string) =>
        writeFile(
          file,
          JSON.stringify({
            sessions: Array.from({ length: 20_000 }, (_, i) => ({
              id: `s${i}`,
              title: `T${i}`,
              start: '09:00',
              end: '09:30',
              tags: ['x'],
              popularity: 7,
            })),
          }),
        ),
    ],
    ['invalid JSON', async (file: string) => writeFile(file, '{\n  "sessions": [,]\n}')],
    [
      'invalid UTF-8',
      async (file: string) =>
        writeFile(file, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])),
    ],
    ['empty file', async (file: string) => writeFile(file, '')],
    [
      'a directory without agent.json',
      async (file: string) => {
        const { mkdir } = await import('node:fs/promises');
        await mkdir(file);
      },
    ],
  ])('loadManifest on %s: EventKitError with a clear message', async (name, make) => {
    tried['enormous or broken files'] = (tried['enormous or broken files'] ?? 0) + 1;
    const file = path.join(dir, `${name.replace(/\W+/g, '-')}.json`);
    await make(file);
    const error = await loadManifest(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
    expectClearRejection(error, file);
  });

  it('the built agent refuses a sample of broken manifests at start-up: one line naming the field, exit 3, no stack trace', async () => {
    const paths = pathsOf(sample).filter((p) => p.length > 0 && p.length <= 3);
    const cases = fc.sample(
      fc.record({
        at: fc.constantFrom(...paths),
        replacement: fc.constantFrom(-1, 'x', [], {}, null, true),
      }),
      { seed: SEED + 2, numRuns: 30 },
    );
    let refused = 0;
    for (const [i, { at, replacement }] of cases.entries()) {
      const json = mutate(sample, at, 'replace', replacement);
      try {
        parseManifest(json);
        continue; // still valid (e.g. an optional field): nothing to refuse
      } catch {}
      if (refused >= 8) break;
      refused++;
      tried['built agent start-up'] = refused;
      const file = path.join(dir, `agent-${i}.json`);
      await writeFile(file, JSON.stringify(json));
      const run = spawnSync(
        process.execPath,
        [builtBin('@eventkit/agent-server'), '--port', '0', '--manifest', file],
        {
          env: { ...process.env, LOG_FILE: '', PORT: '' },
          encoding: 'utf8',
          timeout: 15_000,
        },
      );
      expect(run.status).toBe(3);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stderr).toMatch(/agent-\d+\.json/);
    }
    expect(refused).toBeGreaterThan(0);
  });
});
