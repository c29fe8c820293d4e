import { formatTelemetryLine } from '@eventkit/core/telemetry';
import type { CliContext } from '../context.js';
import { formatSlowLine } from '../event-format.js';
import { forEachEvent } from '../event-stream.js';
import { EXIT } from '../exit-codes.js';
import type { InputFlags } from '../input-options.js';
import { createLineBuffer } from '../line-buffer.js';

export interface SlowFlags extends InputFlags {
  /** Milliseconds; events strictly slower are printed, as `jq 'select(.latency_ms > 100)'`. */
  threshold: number;
  json?: boolean;
}

/** `eventkit slow`: the seed's slow-request listing, `action: 123.4ms - {payload}`. */
export async function runSlow(ctx: CliContext, args: string[], flags: SlowFlags): Promise<number> {
  const out = createLineBuffer(ctx.stdout);
  await forEachEvent(ctx, args, flags, {}, (event) => {
    if (event.latency_ms > flags.threshold) {
      out.push(flags.json ? formatTelemetryLine(event) : formatSlowLine(event));
    }
    return true;
  });
  out.flush();
  return EXIT.ok;
}
