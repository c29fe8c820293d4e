// Made on first use: building an Intl formatter is costly, and wasted on `--json` output.
let integer: Intl.NumberFormat | undefined;

/** 1234 to `1,234`, as the seed's report prints counts. */
export function formatCount(value: number): string {
  integer ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  return integer.format(value);
}

/** 98.456 to `98.5` (one decimal, as the seed's report prints rates and latencies). */
export function formatOneDecimal(value: number): string {
  return (Math.round(value * 10) / 10).toFixed(1);
}

/** Pads for fixed-width tables: numbers right, text left. */
export function padCell(text: string, width: number, align: 'left' | 'right'): string {
  return align === 'left' ? text.padEnd(width) : text.padStart(width);
}

/** Seconds as `1d 1h 1m`, `3h 5m`, `4m` or `12s` (uptimes, ages). */
export function formatElapsed(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${d}d ${h}h ${m}m`;
  if (h > 0) return `${h}h ${m}m`;
  return m > 0 ? `${m}m` : `${Math.floor(seconds)}s`;
}
