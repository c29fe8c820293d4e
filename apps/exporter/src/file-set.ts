import { basename, dirname, join, resolve, sep } from 'node:path';
import { instanceTelemetryFiles, listRotatedFiles } from '@eventkit/core/telemetry';

/** Where the exporter's telemetry files come from; a `--file` value, or the default. */
export type FileSource =
  /** One file, followed as named, even before it exists. */
  | { kind: 'file'; path: string }
  /** A glob, expanded again at every poll, so files that appear later are followed too. */
  | { kind: 'pattern'; pattern: string }
  /** Every instance's live file of the configured file, by core's naming rule (`-w<k>`). */
  | { kind: 'instances'; file: string };

/**
 * Characters without which no argument is a glob (a superset of what tinyglobby's
 * `isDynamicPattern` looks for), so plain paths do not load the glob library.
 */
const GLOB_SYNTAX = /[*?[\]{}()!+@]/;

type Globbing = typeof import('tinyglobby');
let globbing: Promise<Globbing> | undefined;
const loadGlobbing = () => {
  globbing ??= import('tinyglobby');
  return globbing;
};

/** A `--file` value: a glob when it has glob syntax, else a file; relative to `cwd` either way. */
export async function fileSourceOf(arg: string, cwd = process.cwd()): Promise<FileSource> {
  if (GLOB_SYNTAX.test(arg) && (await loadGlobbing()).isDynamicPattern(arg)) {
    return { kind: 'pattern', pattern: resolve(cwd, arg) };
  }
  return { kind: 'file', path: resolve(cwd, arg) };
}

/** The directory a pattern's wildcards start in (its part without glob syntax). */
export function patternBase(pattern: string): string {
  const segments = pattern.split(sep);
  const fixed = segments.findIndex((segment) => GLOB_SYNTAX.test(segment));
  return segments.slice(0, fixed < 0 ? -1 : fixed).join(sep) || sep;
}

/** Matches of one pattern, plain files only; hidden files only when the pattern names them. */
export async function matchPattern(pattern: string): Promise<string[]> {
  const { glob } = await loadGlobbing();
  return (await glob(pattern, { absolute: true, onlyFiles: true })).sort();
}

export interface FileSetOptions {
  sources: readonly FileSource[];
  /** Never followed, nor anything named after it (the state file and its temporary). */
  ignore?: readonly string[];
}

export interface FileSet {
  /**
   * The live files the sources name now. `followed` are the files already followed: a pattern's
   * match that is one of their archives, or named after one (`telemetry.jsonl.bak`), is no live file.
   */
  expand(followed: Iterable<string>): Promise<string[]>;
}

/**
 * The exporter's telemetry files, found again at every poll. A pattern must name live files
 * (`telemetry*.jsonl`); a wider one (`telemetry*`) also matches archives (`<file>.<stamp>[.gz]`,
 * logrotate's `.1` and `-20240315`), half-written `.gz` files and other files named after a live
 * one, and those are skipped: each file's follower reads its archives itself.
 */
export function createFileSet({ sources, ignore = [] }: FileSetOptions): FileSet {
  /** Pattern matches found not to be live files; a name never stops being an archive's. */
  let skipped = new Set<string>();
  const ignored = (path: string) =>
    ignore.some((name) => path === name || path.startsWith(`${name}.`));

  return {
    async expand(followed) {
      const known = new Set(followed);
      const found = new Set<string>();
      const matches: string[] = [];
      for (const source of sources) {
        if (source.kind === 'file') found.add(source.path);
        else if (source.kind === 'instances') {
          for (const file of await instanceTelemetryFiles(source.file)) found.add(file);
        } else {
          for (const match of await matchPattern(source.pattern)) {
            if (!ignored(match)) matches.push(match);
          }
        }
      }
      // Sorted, a live file comes before the names derived from it (a prefix sorts first).
      const fresh = [...new Set(matches)].sort().filter((path) => {
        if (!known.has(path)) return true;
        found.add(path);
        return false;
      });
      const archivesOf = archiveLister();
      const stillSkipped = new Set<string>();
      for (const path of fresh) {
        if (found.has(path)) continue;
        if (
          skipped.has(path) ||
          namedAfter(path, [...known, ...found]) ||
          (await isArchive(path, archivesOf))
        ) {
          stillSkipped.add(path);
        } else found.add(path);
      }
      skipped = stillSkipped;
      return [...found];
    },
  };
}

/** `path` extends the name of another live file in its directory (`telemetry.jsonl.1`, `.bak`, `.gz.tmp`). */
function namedAfter(path: string, live: readonly string[]): boolean {
  const dir = dirname(path);
  const name = basename(path);
  return live.some(
    (other) => other !== path && dirname(other) === dir && name.startsWith(`${basename(other)}.`),
  );
}

/** `listRotatedFiles` of each would-be live file, by base name, read once per expansion. */
function archiveLister(): (file: string) => Promise<Set<string>> {
  const listed = new Map<string, Promise<Set<string>>>();
  return (file) => {
    let names = listed.get(file);
    if (!names) {
      names = listRotatedFiles(file).then((paths) => new Set(paths.map((path) => basename(path))));
      listed.set(file, names);
    }
    return names;
  };
}

/**
 * Whether `path` is an archive of a file named by a prefix of its own name, or a file named after
 * such an archive (the half-written `.gz` of one). Decided from the names core's
 * `listRotatedFiles` gives, so it holds even while the live file itself is missing.
 */
async function isArchive(
  path: string,
  archivesOf: (file: string) => Promise<Set<string>>,
): Promise<boolean> {
  const dir = dirname(path);
  const name = basename(path);
  /** `name` and its prefixes ending before a dot: the names `path` may be derived from. */
  const derivedFrom = [name];
  for (let i = name.indexOf('.', 1); i > 0; i = name.indexOf('.', i + 1)) {
    derivedFrom.push(name.slice(0, i));
  }
  for (let i = 1; i < name.length; i++) {
    if (name[i] !== '.' && name[i] !== '-') continue;
    const archives = await archivesOf(join(dir, name.slice(0, i)));
    if (derivedFrom.some((candidate) => candidate.length > i && archives.has(candidate))) {
      return true;
    }
  }
  return false;
}
