export type EventKitErrorCode =
  | 'INVALID_MANIFEST'
  | 'MANIFEST_NOT_FOUND'
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  | 'UNREADABLE_INPUT'
  | 'WRITE_FAILED'
  | 'INVALID_CONFIG'
  | 'UPSTREAM_FAILED'
  | 'UPSTREAM_AUTH_FAILED'
  | 'UPSTREAM_UNAVAILABLE';

/**
 * The one error class of Event Kit. Each app maps `code` to an HTTP status or an exit code;
 * `message` already says what was wrong, where, and what to do.
 *
 * @example
 * throw new EventKitError('INVALID_MANIFEST', 'agent.json: sessions[3].popularity must be between 0 and 1');
 */
export class EventKitError extends Error {
  override readonly name = 'EventKitError';

  constructor(
    readonly code: EventKitErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isEventKitError(error: unknown): error is EventKitError {
  return error instanceof EventKitError;
}

/**
 * The exit code every Event Kit binary gives for an error, as the root README's table says:
 * 2 for a usage or settings mistake (`INVALID_INPUT`, `INVALID_CONFIG`), 3 for input that
 * could not be read or a bad manifest (`UNREADABLE_INPUT`, `INVALID_MANIFEST`,
 * `MANIFEST_NOT_FOUND`, and a source the command needed that did not answer, `UPSTREAM_*`),
 * and 1 for anything else, including an error that is not an `EventKitError` (a failed
 * start-up such as a port in use). Each app adds its own cases before calling it, such as
 * commander's usage errors.
 *
 * @example
 * try {
 *   await main();
 * } catch (error) {
 *   process.stderr.write(`my-app: ${error instanceof Error ? error.message : error}\n`);
 *   process.exitCode = exitCodeFor(error);
 * }
 */
export function exitCodeFor(error: unknown): 1 | 2 | 3 {
  if (!isEventKitError(error)) return 1;
  switch (error.code) {
    case 'INVALID_INPUT':
    case 'INVALID_CONFIG':
      return 2;
    case 'UNREADABLE_INPUT':
    case 'INVALID_MANIFEST':
    case 'MANIFEST_NOT_FOUND':
    case 'UPSTREAM_FAILED':
    case 'UPSTREAM_AUTH_FAILED':
    case 'UPSTREAM_UNAVAILABLE':
      return 3;
    case 'NOT_FOUND':
    case 'WRITE_FAILED':
      return 1;
  }
}
