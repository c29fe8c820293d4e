import { EventKitError, type TelemetryGap } from '@eventkit/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTelemetryFailureLog } from './telemetry-failure-log.js';

const writeFailed = () =>
  new EventKitError('WRITE_FAILED', 'Cannot write to telemetry file /srv/t.jsonl: ENOSPC.');

function setup() {
  const lines: string[] = [];
  const logger = {
    error: (message: string) => lines.push(`ERROR ${message}`),
    warning: (message: string) => lines.push(`WARNING ${message}`),
  };
  const writer: { gap: TelemetryGap | undefined } = { gap: undefined };
  const log = createTelemetryFailureLog({ logger, reminderMs: 60_000 });
  log.watch(writer);
  return { lines, writer, log };
}

describe('createTelemetryFailureLog', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('logs one ERROR per failure episode, a reminder with the count every minute, one line on recovery', () => {
    const { lines, writer, log } = setup();
    for (let i = 0; i < 500; i++) log.onError(writeFailed());
    writer.gap = {
      dropped: 2982,
      since: 1_796_615_040,
      until: 1_796_615_100,
      reason: 'ENOSPC: disk full',
    };
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^ERROR Telemetry: Cannot write to telemetry file .* until it can write again/,
    );
    vi.advanceTimersByTime(120_000);
    expect(lines.slice(1)).toEqual([
      'ERROR Telemetry: still not writing: 2982 events dropped since 2026-12-07T03:44:00Z (ENOSPC: disk full)',
      'ERROR Telemetry: still not writing: 2982 events dropped since 2026-12-07T03:44:00Z (ENOSPC: disk full)',
    ]);
    log.onGapRecorded(writer.gap);
    writer.gap = undefined;
    expect(lines[3]).toBe(
      'WARNING Telemetry: writing again; 2982 events not recorded between 2026-12-07T03:44:00Z and 2026-12-07T03:45:00Z (ENOSPC: disk full); a telemetry_gap record says so in the file',
    );
    vi.advanceTimersByTime(600_000);
    expect(lines).toHaveLength(4);
    log.onError(writeFailed());
    expect(lines).toHaveLength(5);
  });

  it('ends an episode that lost nothing at the next reminder, silently', () => {
    const { lines, log } = setup();
    log.onError(writeFailed());
    vi.advanceTimersByTime(60_000);
    log.onError(writeFailed());
    expect(lines).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(1);
    log.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('logs every refused event: those are bugs, not a failing disk', () => {
    const { lines, log } = setup();
    log.onError(
      new EventKitError('INVALID_INPUT', 'Telemetry event dropped: latency_ms: too small'),
    );
    log.onError(
      new EventKitError('INVALID_INPUT', 'Telemetry event dropped: latency_ms: too small'),
    );
    expect(lines).toHaveLength(2);
  });
});
