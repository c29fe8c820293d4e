import { hostname } from 'node:os';
import { calculateMetrics, EXACT_LATENCY_LIMIT, type WindowMetrics } from '@eventkit/core/analysis';
import { colorsFor } from '../colors.js';
import type { CliContext } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { inputLabel, namedFiles, resolveInputs } from '../input-files.js';
import { findSendmail, postWebhook, sendMail } from '../notify.js';
import { approx, approximateNote, exactLimitFrom } from '../percentiles.js';
import { readRecentEvents } from '../recent-events.js';
import { formatWindow } from '../window-label.js';
import { formatMs } from './metrics.js';

export interface AlertFlags {
  maxFailures?: number;
  last: number;
  errorRate?: number;
  p95Over?: number;
  /** Seconds, for --error-rate and --p95-over. */
  window: number;
  minRequests: number;
  webhook?: string;
  mailTo?: string;
  json?: boolean;
  quiet?: boolean;
  rotated: boolean;
  manifest?: string;
}

export interface AlertCheck {
  name: 'failures' | 'error_rate' | 'p95_latency';
  alerting: boolean;
  value: number;
  threshold: number;
  message: string;
  /** p95_latency only: true when the value comes from the sketch (within 1%). */
  approximate?: boolean;
}

/** The seed's alert_on_errors.sh threshold, used when no check is named. */
export const DEFAULT_MAX_FAILURES = 10;

/**
 * `eventkit alert`: cron-friendly threshold checks. Exit 1 when any check alerts, after
 * notifying the webhook and/or mail recipients; exit 0 (and silence with --quiet) otherwise.
 */
export async function runAlert(
  ctx: CliContext,
  args: string[],
  flags: AlertFlags,
): Promise<number> {
  const files = await resolveInputs(args, ctx, flags);
  const checks: AlertCheck[] = [];
  const windowChecks = flags.errorRate !== undefined || flags.p95Over !== undefined;
  const maxFailures = flags.maxFailures ?? (windowChecks ? undefined : DEFAULT_MAX_FAILURES);
  if (maxFailures !== undefined && windowChecks && namedFiles(files).length < files.length) {
    throw new UsageError(
      'alert: standard input (-) can be read only once, and --max-failures reads it apart from --error-rate/--p95-over; use one kind of check with -, or save the input to a file',
    );
  }

  if (maxFailures !== undefined) {
    const recent = await readRecentEvents(files, flags.last);
    const failures = recent.filter((event) => !event.success).length;
    checks.push({
      name: 'failures',
      alerting: failures > maxFailures,
      value: failures,
      threshold: maxFailures,
      message: `${failures} failures in the last ${recent.length} requests (alert above ${maxFailures})`,
    });
  }
  if (windowChecks) {
    const since = ctx.now().getTime() / 1000 - flags.window;
    const windowFiles = await resolveInputs(args, ctx, { ...flags, since });
    const exactLimit = exactLimitFrom(ctx.env);
    // summarize's percentiles (linear), so an alert quotes the figure the report shows.
    const metrics: WindowMetrics = await calculateMetrics(windowFiles, {
      windowHours: flags.window / 3600,
      now: ctx.now,
      includeRotated: false,
      percentiles: 'linear',
      exactLimit,
    });
    const window = formatWindow(flags.window);
    const enough = metrics.total_requests >= flags.minRequests;
    if (flags.errorRate !== undefined) {
      checks.push({
        name: 'error_rate',
        alerting: enough && metrics.error_rate > flags.errorRate,
        value: metrics.error_rate,
        threshold: flags.errorRate,
        message: `error rate ${metrics.error_rate.toFixed(2)}% over the last ${window} (${metrics.total_requests} requests; alert above ${flags.errorRate}%)`,
      });
    }
    if (flags.p95Over !== undefined) {
      checks.push({
        name: 'p95_latency',
        alerting: enough && metrics.latency_p95 > flags.p95Over,
        value: metrics.latency_p95,
        threshold: flags.p95Over,
        message: `p95 latency ${approx(formatMs(metrics.latency_p95), metrics.approximate)} over the last ${window} (${metrics.total_requests} requests; alert above ${flags.p95Over}ms)${metrics.approximate ? ` (${approximateNote(exactLimit ?? EXACT_LATENCY_LIMIT)})` : ''}`,
        approximate: metrics.approximate,
      });
    }
  }

  const alerting = checks.some((check) => check.alerting);
  const report = {
    alerting,
    time: ctx.now().toISOString(),
    host: hostname(),
    files: files.map((file) => inputLabel(file, ctx.cwd)),
    checks,
  };
  if (flags.json) {
    ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else if (alerting || !flags.quiet) {
    const c = colorsFor(ctx.stdout, ctx.env);
    for (const check of checks) {
      ctx.stdout.write(`${check.alerting ? c.red('ALERT') : c.green('OK   ')} ${check.message}\n`);
    }
  }
  if (!alerting) return EXIT.ok;

  if (flags.webhook) {
    const problem = await postWebhook(ctx.fetch, flags.webhook, report);
    if (problem)
      ctx.stderr.write(
        `eventkit: --webhook ${flags.webhook}: ${problem}; the alert was not delivered there\n`,
      );
  }
  if (flags.mailTo) {
    const sendmail = await findSendmail(ctx.env);
    if (!sendmail) {
      ctx.stderr.write(
        'eventkit: --mail-to: sendmail not found (install a mail transfer agent such as msmtp-mta or postfix, or set EVENTKIT_SENDMAIL); use --webhook instead\n',
      );
    } else {
      const problem = await sendMail(sendmail, {
        to: flags.mailTo,
        subject: '[ALERT] Event Agent Errors',
        body: checks
          .filter((check) => check.alerting)
          .map((check) => check.message)
          .join('\n'),
      });
      if (problem) ctx.stderr.write(`eventkit: --mail-to: ${sendmail} ${problem}\n`);
    }
  }
  return EXIT.tripped;
}
