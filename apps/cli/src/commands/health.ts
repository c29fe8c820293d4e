import type { HealthProbe } from '@eventkit/core/telemetry';
import { abortableSleep } from '../abortable-sleep.js';
import { colorsFor } from '../colors.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { probeAgentHealth } from '../health-probe.js';
import { runHook } from '../run-hook.js';

export interface HealthFlags {
  url: string;
  watch?: boolean;
  /** Seconds between checks with --watch. */
  interval: number;
  /** Seconds before a check counts as failed. */
  timeout: number;
  onFail?: string;
  count?: number;
  json?: boolean;
}

/**
 * `eventkit health`: one probe of /health (exit 0 healthy, 1 otherwise), or with --watch the
 * seed's monitor_health.sh: a line per check and --on-fail run once per outage, with the alert
 * text on its stdin so `--on-fail 'mail -s "Event Agent Down" admin@example.com'` works as in the seed.
 */
export async function runHealth(ctx: CliContext, flags: HealthFlags): Promise<number> {
  const c = colorsFor(ctx.stdout, ctx.env);
  const print = (probe: HealthProbe) => {
    if (flags.json) {
      ctx.stdout.write(`${JSON.stringify({ time: ctx.now().toISOString(), ...probe })}\n`);
      return;
    }
    const state =
      probe.state === 'healthy'
        ? c.green('healthy')
        : c.red(probe.state === 'down' ? 'DOWN' : 'unhealthy');
    const prefix = flags.watch ? `${ctx.now().toISOString()} ` : '';
    ctx.stdout.write(`${prefix}${state} ${probe.url}${probe.detail ? ` (${probe.detail})` : ''}\n`);
  };

  if (!flags.watch) {
    const probe = await probeAgentHealth(ctx.fetch, flags.url, flags.timeout * 1000);
    print(probe);
    if (probe.state !== 'healthy' && flags.onFail) await fail(ctx, flags.onFail, probe);
    return probe.state === 'healthy' ? EXIT.ok : EXIT.tripped;
  }

  const signal = ctx.interruptSignal();
  let last: HealthProbe | undefined;
  for (
    let checks = 0;
    !signal.aborted && (flags.count === undefined || checks < flags.count);
    checks += 1
  ) {
    if (checks > 0) await abortableSleep(flags.interval * 1000, signal);
    if (signal.aborted) break;
    const probe = await probeAgentHealth(ctx.fetch, flags.url, flags.timeout * 1000);
    print(probe);
    const wasHealthy = last === undefined || last.state === 'healthy';
    if (probe.state !== 'healthy' && wasHealthy && flags.onFail)
      await fail(ctx, flags.onFail, probe);
    if (probe.state === 'healthy' && last && last.state !== 'healthy') {
      ctx.stderr.write(`eventkit: ${probe.url} recovered\n`);
    }
    last = probe;
  }
  return last === undefined || last.state === 'healthy' ? EXIT.ok : EXIT.tripped;
}

async function fail(ctx: CliContext, command: string, probe: HealthProbe): Promise<void> {
  const response = probe.body === undefined ? probe.detail : JSON.stringify(probe.body);
  const result = await runHook(command, `[ALERT] Service unhealthy: ${response}\n`, {
    ...ctx.env,
    EVENTKIT_HEALTH_URL: probe.url,
    EVENTKIT_HEALTH_STATE: probe.state,
    EVENTKIT_HEALTH_DETAIL: probe.detail,
  });
  if (result.code !== 0) {
    ctx.stderr.write(
      `eventkit: --on-fail command ${result.error ? `could not start (${result.error})` : `exited with ${result.code}`}; check it by running it by hand\n`,
    );
  }
}
