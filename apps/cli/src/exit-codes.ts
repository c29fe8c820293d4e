import { exitCodeFor, isEventKitError } from '@eventkit/core/telemetry';
import { CommanderError } from 'commander';

/** The documented exit codes (the root README's table, `eventkit --help`), plus 70 for a bug. */
export const EXIT = {
  ok: 0,
  tripped: 1,
  usage: 2,
  unreadable: 3,
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A usage mistake the CLI itself detects (after commander's own parsing). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const SYSTEM_INPUT_ERRORS = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EMFILE']);

export interface MappedError {
  code: ExitCode;
  /** What to print on stderr, or undefined when the message was already printed (commander). */
  message: string | undefined;
}

/**
 * The one place where errors become exit codes and messages; nothing else calls process.exit.
 * Core's `exitCodeFor` maps an `EventKitError`; the CLI adds commander's usage errors, system
 * errors on input files (3) and its own bugs (70).
 */
export function mapError(error: unknown): MappedError {
  if (error instanceof CommanderError) {
    // help and --version end with exitCode 0; everything else is a usage error already printed.
    return { code: error.exitCode === 0 ? EXIT.ok : EXIT.usage, message: undefined };
  }
  if (error instanceof UsageError) return { code: EXIT.usage, message: error.message };
  if (isEventKitError(error)) return { code: exitCodeFor(error), message: error.message };
  const system = error as NodeJS.ErrnoException | undefined;
  if (system && typeof system.code === 'string' && SYSTEM_INPUT_ERRORS.has(system.code)) {
    const where = system.path ? `${system.path}: ` : '';
    return {
      code: EXIT.unreadable,
      message: `${where}${describeSystemError(system.code)} (check the path and its permissions)`,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: EXIT.internal,
    message: `internal error: ${message} (please report it; set EVENTKIT_DEBUG=1 for details)`,
  };
}

function describeSystemError(code: string): string {
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, expected a file';
    case 'ENOTDIR':
      return 'a parent of this path is not a directory';
    default:
      return 'too many open files';
  }
}
