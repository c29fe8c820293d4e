import { type Command, Option } from 'commander';
import type { CliContext } from './context.js';
import { parseTimeBound } from './option-parsers.js';

/** The flags every analysis command shares. */
export interface InputFlags {
  since?: number;
  until?: number;
  rotated: boolean;
  manifest?: string;
}

/** How FILES reads: files, globs and `-`, standard input. */
export const FILES_HELP = 'telemetry files or quoted globs; - reads standard input (plain or gzip)';

/** What FILES defaults to, for --help. */
export const DEFAULT_FILES_HELP =
  "default: every instance's file, i.e. ./telemetry.jsonl (or the manifest telemetry file) and each worker's telemetry-w<k>.jsonl beside it, with their archives";

/** Adds [FILES…] and --since/--until/--no-rotated/--manifest to an analysis command. */
export function withInputOptions(command: Command, ctx: CliContext): Command {
  return command
    .argument('[files...]', `${FILES_HELP} (${DEFAULT_FILES_HELP})`)
    .option(
      '--since <when>',
      'only events at or after this time: a duration back from now (15m, 24h, 7d), an ISO timestamp or Unix seconds',
      (value: string) => parseTimeBound(value, ctx.now()),
    )
    .option(
      '--until <when>',
      'only events before this time (same forms as --since)',
      (value: string) => parseTimeBound(value, ctx.now()),
    )
    .addOption(noRotatedOption())
    .addOption(manifestOption(ctx));
}

/** `--manifest`, defaulting to EVENTKIT_MANIFEST: its telemetry.file is the default input. */
export function manifestOption(ctx: CliContext): Option {
  return new Option(
    '--manifest <file>',
    'agent.json whose telemetry.file is the default input (env EVENTKIT_MANIFEST)',
  ).default(ctx.env.EVENTKIT_MANIFEST);
}

export function noRotatedOption(): Option {
  return new Option(
    '--no-rotated',
    'read only the named files, not their rotated siblings and .gz archives',
  );
}
