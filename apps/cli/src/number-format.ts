const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1234 to `1,234`, as the seed's report prints counts. */
export function formatCount(value: number): string {
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
