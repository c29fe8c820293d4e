const BARS = '▁▂▃▄▅▆▇█';

/** Values as a row of block characters scaled to the largest one; zero stays the lowest bar. */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values
    .map((value) => {
      if (max === 0 || value <= 0) return BARS[0];
      return BARS[Math.min(BARS.length - 1, Math.round((value / max) * (BARS.length - 1)))];
    })
    .join('');
}
