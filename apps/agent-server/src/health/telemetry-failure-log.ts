import type { TelemetryGap } from '@eventkit/core';
import { isEventKitError } from '@eventkit/core';
import type { Logger } from '../logging/logger.js';

export interface TelemetryFailureLogOptions {
  logger: Pick<Logger, 'error' | 'warning'>;
  /** While the writer loses events, one reminder with the running count this often. Default 60 s. */
  reminderMs?: number;
}

export interface TelemetryFailureLog {
  /** The writer's `onError`. */
  onError(error: unknown): void;
  /** The writer's `onGapRecorded`. */
  onGapRecorded(gap: TelemetryGap): void;
  /** The writer whose episode the reminders count. */
  watch(writer: { readonly gap: Readonly<TelemetryGap> | undefined }): void;
  /** Stops the reminders. */
  close(): void;
}

/** `2026-12-07T03:44:00Z` (UTC, whole seconds). */
function utc(ts: number): string {
  return `${new Date(Math.floor(ts) * 1000).toISOString().slice(0, 19)}Z`;
}

/**
 * The agent's ERROR log for telemetry, rate-limited: a disk that stays full would otherwise log
 * one line per failed batch, many a second. One ERROR when a failure episode starts, one
 * reminder with the events dropped so far every `reminderMs` while it lasts, and one WARNING
 * when the writer records the gap and writes again. Input problems (an event the writer refuses)
 * are logged as they come.
 *
 * @example
 * const failures = createTelemetryFailureLog({ logger });
 * const telemetry = createTelemetryWriter({ file, onError: failures.onError, onGapRecorded: failures.onGapRecorded });
 * failures.watch(telemetry);
 */
export function createTelemetryFailureLog({
  logger,
  reminderMs = 60_000,
}: TelemetryFailureLogOptions): TelemetryFailureLog {
  let writer: { readonly gap: Readonly<TelemetryGap> | undefined } | undefined;
  let reminder: NodeJS.Timeout | undefined;
  let failing = false;

  function endEpisode(): void {
    failing = false;
    if (reminder !== undefined) clearInterval(reminder);
    reminder = undefined;
  }

  function remind(): void {
    const gap = writer?.gap;
    // The failure cost no event (e.g. compressing an archive): nothing to wait for.
    if (gap === undefined) {
      endEpisode();
      return;
    }
    logger.error(
      `Telemetry: still not writing: ${gap.dropped} events dropped since ${utc(gap.since)} (${gap.reason})`,
    );
  }

  return {
    onError(error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!isEventKitError(error) || error.code !== 'WRITE_FAILED') {
        logger.error(`Telemetry: ${message}`);
        return;
      }
      if (failing) return;
      failing = true;
      logger.error(
        `Telemetry: ${message} Events are dropped and counted until it can write again (a reminder every ${Math.round(reminderMs / 1000)} s).`,
      );
      reminder = setInterval(remind, reminderMs);
      reminder.unref();
    },
    onGapRecorded(gap) {
      endEpisode();
      logger.warning(
        `Telemetry: writing again; ${gap.dropped} events not recorded between ${utc(gap.since)} and ${utc(gap.until)} (${gap.reason}); a telemetry_gap record says so in the file`,
      );
    },
    watch(watched) {
      writer = watched;
    },
    close: endEpisode,
  };
}
