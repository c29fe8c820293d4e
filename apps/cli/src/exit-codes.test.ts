import { EventKitError } from '@eventkit/core';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { EXIT, mapError, UsageError } from './exit-codes.js';

describe('mapError', () => {
  it.each([
    ['commander usage error', new CommanderError(1, 'commander.unknownOption', 'x'), EXIT.usage],
    ['help', new CommanderError(0, 'commander.helpDisplayed', 'x'), EXIT.ok],
    ['UsageError', new UsageError('bad'), EXIT.usage],
    ['INVALID_INPUT', new EventKitError('INVALID_INPUT', 'x'), EXIT.usage],
    ['UNREADABLE_INPUT', new EventKitError('UNREADABLE_INPUT', 'x'), EXIT.unreadable],
    ['INVALID_MANIFEST', new EventKitError('INVALID_MANIFEST', 'x'), EXIT.unreadable],
    ['NOT_FOUND', new EventKitError('NOT_FOUND', 'x'), EXIT.tripped],
    ['WRITE_FAILED', new EventKitError('WRITE_FAILED', 'x'), EXIT.tripped],
    ['UPSTREAM_AUTH_FAILED', new EventKitError('UPSTREAM_AUTH_FAILED', 'x'), EXIT.unreadable],
    ['ENOENT', Object.assign(new Error('x'), { code: 'ENOENT', path: '/a/b' }), EXIT.unreadable],
    ['a bug', new TypeError('undefined is not a function'), EXIT.internal],
  ])('maps %s', (_name, error, code) => {
    expect(mapError(error).code).toBe(code);
  });

  it('names the path of a system error and says what to do', () => {
    const error = Object.assign(new Error('x'), { code: 'EACCES', path: '/var/log/t.jsonl' });
    expect(mapError(error).message).toBe(
      '/var/log/t.jsonl: permission denied (check the path and its permissions)',
    );
  });

  it('leaves messages commander already printed alone', () => {
    expect(
      mapError(new CommanderError(1, 'commander.unknownCommand', 'x')).message,
    ).toBeUndefined();
  });
});
