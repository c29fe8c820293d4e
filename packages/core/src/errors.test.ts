import { describe, expect, it } from 'vitest';
import { EventKitError, type EventKitErrorCode, exitCodeFor } from './errors.js';

describe('exitCodeFor', () => {
  it.each<[EventKitErrorCode, number]>([
    ['INVALID_INPUT', 2],
    ['INVALID_CONFIG', 2],
    ['UNREADABLE_INPUT', 3],
    ['INVALID_MANIFEST', 3],
    ['MANIFEST_NOT_FOUND', 3],
    ['UPSTREAM_FAILED', 3],
    ['UPSTREAM_AUTH_FAILED', 3],
    ['UPSTREAM_UNAVAILABLE', 3],
    ['NOT_FOUND', 1],
    ['WRITE_FAILED', 1],
  ])('gives %s exit code %i, as the root README table says', (code, exit) => {
    expect(exitCodeFor(new EventKitError(code, 'x'))).toBe(exit);
  });

  it('gives 1 (failed) for an error that is not an EventKitError', () => {
    const portInUse = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    expect(exitCodeFor(portInUse)).toBe(1);
  });
});
