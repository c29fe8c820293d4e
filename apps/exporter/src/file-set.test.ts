import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileSet, type FileSource, fileSourceOf, patternBase } from './file-set.js';
import { tempDir } from './test-support/telemetry-files.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('exporter-file-set-'));
});
afterEach(() => cleanup());

const touch = (...names: string[]) => {
  for (const name of names) writeFileSync(join(dir, name), '');
};
const names = (paths: string[]) => paths.map((path) => path.slice(dir.length + 1)).sort();

async function expand(sources: FileSource[], followed: string[] = [], ignore: string[] = []) {
  return names(await createFileSet({ sources, ignore }).expand(followed));
}

describe('fileSourceOf', () => {
  it.each([
    ['telemetry*.jsonl', 'pattern'],
    ['telemetry-w[12].jsonl', 'pattern'],
    ['logs/{a,b}.jsonl', 'pattern'],
    ['telemetry.jsonl', 'file'],
    ['telemetry-w2.jsonl', 'file'],
  ])('reads %s as a %s, resolved against the working directory', async (arg, kind) => {
    const source = await fileSourceOf(arg, dir);
    expect(source.kind).toBe(kind);
    expect(source.kind === 'pattern' ? source.pattern : source.kind === 'file' && source.path).toBe(
      join(dir, arg),
    );
  });
});

describe('patternBase', () => {
  it.each([
    ['/var/lib/eventkit/telemetry*.jsonl', '/var/lib/eventkit'],
    ['/srv/*/telemetry.jsonl', '/srv'],
    ['/telemetry*', '/'],
  ])('%s starts its wildcards in %s', (pattern, base) => {
    expect(patternBase(pattern)).toBe(base);
  });
});

describe('createFileSet', () => {
  it("matches a pattern's live files, and never the archives beside them", async () => {
    touch(
      'telemetry.jsonl',
      'telemetry-w1.jsonl',
      'telemetry-w2.jsonl',
      'telemetry.jsonl.20240315-083000-123.gz',
      'telemetry-w2.jsonl.20240315-083000-123',
      'other.jsonl',
    );
    expect(await expand([{ kind: 'pattern', pattern: join(dir, 'telemetry*.jsonl') }])).toEqual([
      'telemetry-w1.jsonl',
      'telemetry-w2.jsonl',
      'telemetry.jsonl',
    ]);
  });

  it('skips, in a pattern as wide as telemetry*, every archive and every file named after a live one', async () => {
    touch(
      'telemetry.jsonl',
      'telemetry-w2.jsonl',
      'telemetry.jsonl.20240315-083000-123.gz',
      'telemetry.jsonl.20240315-083000-124',
      'telemetry.jsonl.20240315-083000-124.gz.1234-0a1b2c3d.tmp',
      'telemetry-w2.jsonl.1',
      'telemetry-w2.jsonl.2.gz',
      'telemetry-w2.jsonl-20240315',
      'telemetry.jsonl.bak',
    );
    expect(await expand([{ kind: 'pattern', pattern: join(dir, 'telemetry*') }])).toEqual([
      'telemetry-w2.jsonl',
      'telemetry.jsonl',
    ]);
  });

  it('knows an archive by its name while its live file is missing (just rotated, or not yet followed)', async () => {
    touch(
      'telemetry-w3.jsonl.20240315-083000-123',
      'telemetry-w3.jsonl.20240315-083000-123.gz',
      'telemetry-w3.jsonl.20240315-083000-124.gz',
      'telemetry-w3.jsonl.20240315-083000-124.gz.99-0a1b2c3d.tmp',
      'telemetry-w3.jsonl.3',
    );
    expect(await expand([{ kind: 'pattern', pattern: join(dir, 'telemetry*') }])).toEqual([]);
  });

  it('finds a file that appears after the first expansion, and keeps naming the files followed', async () => {
    touch('telemetry-w1.jsonl');
    const set = createFileSet({ sources: [{ kind: 'pattern', pattern: join(dir, '*.jsonl') }] });
    const first = await set.expand([]);
    expect(names(first)).toEqual(['telemetry-w1.jsonl']);
    touch('telemetry-w3.jsonl');
    expect(names(await set.expand(first))).toEqual(['telemetry-w1.jsonl', 'telemetry-w3.jsonl']);
  });

  it('names every instance of the configured file by the agent rule, and a named file even before it exists', async () => {
    touch('telemetry.jsonl', 'telemetry-w1.jsonl', 'telemetry-w2.jsonl', 'telemetry-wx.jsonl');
    expect(
      await expand([
        { kind: 'instances', file: join(dir, 'telemetry.jsonl') },
        { kind: 'file', path: join(dir, 'later.jsonl') },
      ]),
    ).toEqual(['later.jsonl', 'telemetry-w1.jsonl', 'telemetry-w2.jsonl', 'telemetry.jsonl']);
  });

  it('never follows the state file, nor its temporary', async () => {
    touch('telemetry.jsonl', 'state.json', 'state.json.123.tmp');
    expect(
      await expand([{ kind: 'pattern', pattern: join(dir, '*') }], [], [join(dir, 'state.json')]),
    ).toEqual(['telemetry.jsonl']);
  });

  it('leaves hidden files (the default state file) to patterns that name them', async () => {
    touch('telemetry.jsonl', '.telemetry.jsonl.exporter-state.json');
    expect(await expand([{ kind: 'pattern', pattern: join(dir, '*') }])).toEqual([
      'telemetry.jsonl',
    ]);
  });
});
