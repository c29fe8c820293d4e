import { colorsFor } from '../colors.js';
import type { CliContext } from '../context.js';
import { formatEvent } from '../event-format.js';
import { forEachEvent } from '../event-stream.js';
import { EXIT } from '../exit-codes.js';
import type { InputFlags } from '../input-options.js';
import { createLineBuffer } from '../line-buffer.js';
import { splitList } from './query.js';

export interface ErrorsFlags extends InputFlags {
  action?: string[];
  pretty?: boolean;
}

/** `eventkit errors`: failed events (the seed's "errors in last hour" with `--since 1h`). */
export async function runErrors(
  ctx: CliContext,
  args: string[],
  flags: ErrorsFlags,
): Promise<number> {
  const c = colorsFor(ctx.stdout, ctx.env);
  const out = createLineBuffer(ctx.stdout);
  await forEachEvent(ctx, args, flags, { actions: splitList(flags.action) }, (event) => {
    if (!event.success) out.push(formatEvent(event, flags.pretty ? 'pretty' : 'jsonl', c));
    return true;
  });
  out.flush();
  return EXIT.ok;
}
