import picocolors from 'picocolors';
import type { CliContext, CliOutput } from './context.js';

export type Colors = ReturnType<typeof picocolors.createColors>;

/** Colour only on a terminal, never with NO_COLOR (any value, per no-color.org), and FORCE_COLOR wins. */
export function colorsFor(output: CliOutput, env: CliContext['env']): Colors {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0';
  const enabled =
    env.NO_COLOR === undefined && (forced || (output.isTTY === true && env.TERM !== 'dumb'));
  return picocolors.createColors(enabled);
}
