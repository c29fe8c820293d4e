// `--by instance` for summarize, metrics and slo: the option, and the table their text output
// ends with. The grouping itself is core's (`by: 'instance'` on the summary).
import { InvalidArgumentError, Option } from 'commander';

/** What `--by` can break figures down by. */
export type BreakdownKey = 'instance';

/** The flag's value, or commander's InvalidArgumentError (exit 2) for anything else. */
export function parseBreakdown(value: string): BreakdownKey {
  if (value === 'instance') return value;
  throw new InvalidArgumentError('The only breakdown is by instance: use --by instance.');
}

/** `--by instance`, with its --help; `note` ends it (e.g. about the exit code). */
export function byOption(what: string, note = ''): Option {
  return new Option(
    '--by <key>',
    `instance: also give ${what} per instance (the line's instance field), after the fleet's total; lines without one come under "(none)"; JSON adds an "instances" object keyed by name${note}`,
  ).argParser(parseBreakdown);
}

/** Left-aligned columns two spaces apart, trailing blanks trimmed. */
export function formatTable(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}
