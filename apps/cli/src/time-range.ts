import { UsageError } from './exit-codes.js';

/** --since must come before --until; anything else selects nothing and is surely a typo. */
export function checkTimeRange(flags: {
  since?: number | undefined;
  until?: number | undefined;
}): void {
  if (flags.since !== undefined && flags.until !== undefined && flags.since >= flags.until) {
    throw new UsageError(
      '--since is not before --until, so no event can match; swap them or widen the range',
    );
  }
}
