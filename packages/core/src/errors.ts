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
