import { stat } from 'node:fs/promises';
import path from 'node:path';
import {
  resolveTelemetryFiles,
  type TelemetryInput,
  type TelemetrySource,
} from '@eventkit/core/analysis';
import { EventKitError, instanceTelemetryFiles, listRotatedFiles } from '@eventkit/core/telemetry';
import type { CliContext } from './context.js';
import { UsageError } from './exit-codes.js';

export const DEFAULT_TELEMETRY_FILE = 'telemetry.jsonl';

/** The FILES argument that means standard input, as for jq, cat and gzip. */
export const STDIN_ARG = '-';
/** How messages name standard input (`<stdin>:12`). */
export const STDIN_NAME = '<stdin>';

/** Standard input as a telemetry source (plain or gzip JSONL, read once). */
export function stdinSource(ctx: Pick<CliContext, 'stdin'>): TelemetrySource {
  return { name: STDIN_NAME, stream: ctx.stdin };
}

/** The named files among the inputs (standard input left out). */
export function namedFiles(inputs: readonly TelemetryInput[]): string[] {
  return inputs.filter((input): input is string => typeof input === 'string');
}

export interface InputOptions {
  /** `--manifest` or EVENTKIT_MANIFEST: its telemetry file is the default input. */
  manifest?: string | undefined;
  /** `--no-rotated` turns this off. */
  rotated?: boolean;
  /**
   * Unix seconds: files last modified before this (less a minute of slack) cannot hold a newer
   * event, so they are skipped unread. A cron `alert --window 5m` then costs the live file, not
   * thirty days of archives.
   */
  since?: number | undefined;
}

/**
 * Characters without which no argument is a glob (a superset of what tinyglobby's
 * `isDynamicPattern` looks for), so plain paths do not load the glob library.
 */
const GLOB_SYNTAX = /[*?[\]{}()!+@]/;

/** Clock skew and writer buffering allowance for the modification-time shortcut. */
const MTIME_SLACK_SECONDS = 60;

/**
 * The telemetry file the agent writes: the manifest's `telemetry.file` when a manifest is named
 * (resolved against the working directory, as the agent does), else ./telemetry.jsonl.
 */
export async function defaultTelemetryFile(
  cwd: string,
  manifest: string | undefined,
): Promise<string> {
  if (manifest === undefined || manifest === '') return path.resolve(cwd, DEFAULT_TELEMETRY_FILE);
  // Loaded only here: the manifest's validation (zod) is not needed when FILES are given.
  const { loadManifest, manifestSettings } = await import('@eventkit/core/manifest');
  const loaded = await loadManifest(path.resolve(cwd, manifest));
  return manifestSettings(loaded, cwd).telemetry.file;
}

/**
 * The live files read when no FILES are given: every instance's on this host, i.e. the default
 * telemetry file and each worker's beside it (`telemetry-w2.jsonl`), in that order. With
 * `archives`, the default file also stands when only its archives are left (a host that went
 * from one process to several), so they are still read.
 */
export async function defaultTelemetryFiles(
  cwd: string,
  manifest: string | undefined,
  { archives = false }: { archives?: boolean } = {},
): Promise<string[]> {
  const file = await defaultTelemetryFile(cwd, manifest);
  const files = await instanceTelemetryFiles(file);
  if (!archives || files.includes(file)) return files;
  return (await listRotatedFiles(file)).length > 0 ? [file, ...files] : files;
}

/**
 * FILES as paths, in the order given: each glob expanded (sorted; one that matches nothing is an
 * error), other names resolved against `cwd`. Nothing is checked for existence here.
 */
export async function expandFileArgs(args: readonly string[], cwd: string): Promise<string[]> {
  const paths: string[] = [];
  const globbing = args.some((arg) => GLOB_SYNTAX.test(arg))
    ? await import('tinyglobby')
    : undefined;
  for (const arg of args) {
    if (globbing?.isDynamicPattern(arg)) {
      const matches = await globbing.glob(arg, { cwd, absolute: true, onlyFiles: true, dot: true });
      if (matches.length === 0) {
        throw new EventKitError(
          'UNREADABLE_INPUT',
          `${arg}: no file matches this pattern; check the path (quote globs so the shell does not expand them)`,
        );
      }
      paths.push(...matches.sort());
    } else {
      paths.push(path.resolve(cwd, arg));
    }
  }
  return paths;
}

/**
 * The command-line FILES arguments (files, globs and `-` for standard input) as the inputs to
 * read, in the order given: rotated siblings and `.gz` archives first (oldest first) unless
 * `rotated` is false, each file once; standard input where `-` stands. Without FILES, every
 * instance's file (`defaultTelemetryFiles`), each with its archives.
 */
export async function resolveInputs(
  args: readonly string[],
  ctx: Pick<CliContext, 'cwd' | 'stdin'>,
  options: InputOptions = {},
): Promise<TelemetryInput[]> {
  const stdinAt = args.indexOf(STDIN_ARG);
  if (stdinAt < 0) return resolveFiles(args, ctx.cwd, options);
  if (args.lastIndexOf(STDIN_ARG) !== stdinAt) {
    throw new UsageError('standard input (-) can be read only once; name - once among FILES');
  }
  const before = stdinAt > 0 ? await resolveFiles(args.slice(0, stdinAt), ctx.cwd, options) : [];
  const after =
    stdinAt < args.length - 1 ? await resolveFiles(args.slice(stdinAt + 1), ctx.cwd, options) : [];
  const seen = new Set(before);
  return [...before, stdinSource(ctx), ...after.filter((file) => !seen.has(file))];
}

async function resolveFiles(
  args: readonly string[],
  cwd: string,
  options: InputOptions,
): Promise<string[]> {
  const includeRotated = options.rotated ?? true;
  const paths =
    args.length > 0
      ? await expandFileArgs(args, cwd)
      : await defaultTelemetryFiles(cwd, options.manifest, { archives: includeRotated });
  const files = [...new Set(await resolveTelemetryFiles(paths, { includeRotated }))];
  return options.since === undefined
    ? files
    : modifiedSince(files, options.since - MTIME_SLACK_SECONDS);
}

async function modifiedSince(files: string[], seconds: number): Promise<string[]> {
  const times = await Promise.all(
    files.map((file) =>
      stat(file).then(
        (info) => info.mtimeMs / 1000,
        () => Number.POSITIVE_INFINITY,
      ),
    ),
  );
  return files.filter((_, i) => (times[i] ?? Number.POSITIVE_INFINITY) >= seconds);
}

/**
 * A short label for messages: the path relative to cwd when it is inside it. A name that is not
 * an absolute path (`<stdin>`) is kept as it is.
 */
export function displayPath(file: string, cwd: string): string {
  if (!path.isAbsolute(file)) return file;
  const relative = path.relative(cwd, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
    ? relative
    : file;
}

/** displayPath for an input: standard input is `<stdin>`. */
export function inputLabel(input: TelemetryInput, cwd: string): string {
  return typeof input === 'string' ? displayPath(input, cwd) : input.name;
}

/** Whether `file` is an archive of `live` (`<live>.<stamp>[.gz]`, logrotate's `.1`, `-20240315`). */
function isArchiveOf(file: string, live: string): boolean {
  return file.startsWith(`${live}.`) || file.startsWith(`${live}-`);
}

/**
 * The inputs (as resolveInputs returns them) cut into histories, each in time order: each live
 * file with the archives listed before it, and standard input on its own.
 */
export function inputHistories(files: readonly TelemetryInput[]): TelemetryInput[][] {
  const histories: TelemetryInput[][] = [];
  let pending: TelemetryInput[] = [];
  files.forEach((file, i) => {
    pending.push(file);
    const archive =
      typeof file === 'string' &&
      files.slice(i + 1).some((later) => typeof later === 'string' && isArchiveOf(file, later));
    if (archive) return;
    histories.push(pending);
    pending = [];
  });
  if (pending.length > 0) histories.push(pending);
  return histories;
}
