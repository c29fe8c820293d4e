import { isEventKitError } from '@eventkit/core';

/** The one place where start-up failures become exit codes (documented in --help and README). */
export const EXIT = { ok: 0, failure: 1, usage: 2, manifest: 3 } as const;

export function exitCodeFor(error: unknown): number {
  if (!isEventKitError(error)) return EXIT.failure;
  switch (error.code) {
    case 'INVALID_INPUT':
    case 'INVALID_CONFIG':
      return EXIT.usage;
    case 'INVALID_MANIFEST':
    case 'MANIFEST_NOT_FOUND':
      return EXIT.manifest;
    default:
      return EXIT.failure;
  }
}
