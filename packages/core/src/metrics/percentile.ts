/**
 * How a percentile is read from n sorted samples:
 * - `linear`: the value at position (n - 1) * q, interpolated between its two neighbours
 *   (DuckDB's `quantile_cont`, numpy's default) — what `summarize`, `slo`, `alert` and the
 *   dashboard show;
 * - `seed`: `sorted[int(n * q)]` (clamped to n - 1), the seed's `calculate_metrics` — what
 *   `metrics` shows.
 */
export type PercentileMethod = 'linear' | 'seed';

/** One percentile as ranks in the sorted samples: the value is `low + (high - low) * weight`. */
export interface PercentileRanks {
  low: number;
  high: number;
  weight: number;
}

/** Where percentile `q` of `n` (> 0) samples lies under `method`. */
export function percentileRanks(n: number, q: number, method: PercentileMethod): PercentileRanks {
  if (method === 'seed') {
    const index = Math.min(Math.max(Math.floor(n * q), 0), n - 1);
    return { low: index, high: index, weight: 0 };
  }
  const position = Math.min(Math.max((n - 1) * q, 0), n - 1);
  const low = Math.floor(position);
  return { low, high: Math.min(low + 1, n - 1), weight: position - low };
}

/** `low + (high - low) * weight`, and exactly `low` when the position falls on a sample. */
export function interpolate(low: number, high: number, weight: number): number {
  return weight === 0 || low === high ? low : low + (high - low) * weight;
}

/** Under this many samples, a copy sorted whole is quicker than two counting passes. */
const SORT_WHOLE_BELOW = 4096;
/**
 * Buckets by a double's top bits (sign cleared, exponent, 8 mantissa bits): for non-negative
 * values the bucket index grows with the value, and each bucket spans under 0.4% of its values.
 */
const BUCKET_SHIFT = 12;
const BUCKETS = 1 << (31 - BUCKET_SHIFT);
/** Index of a double's high 32-bit word in a Uint32Array over it. */
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

function highWords(part: Float64Array): Uint32Array {
  return new Uint32Array(part.buffer, part.byteOffset, part.length * 2);
}

/**
 * The values at `ranks` (0-based, each < n) of the multiset formed by `parts` (n values, all
 * >= 0), without sorting or copying them: one pass counts values per bucket, which tells the
 * bucket each rank falls in; a second pass gathers only those buckets' values, which are sorted.
 * The parts are not modified, so they may be shared.
 */
export function valuesAtRanks(
  parts: readonly Float64Array[],
  n: number,
  ranks: number[],
): number[] {
  if (n < SORT_WHOLE_BELOW) {
    const all = new Float64Array(n);
    let at = 0;
    for (const part of parts) {
      all.set(part, at);
      at += part.length;
    }
    all.sort();
    return ranks.map((rank) => all[rank] as number);
  }
  const counts = new Uint32Array(BUCKETS);
  for (const part of parts) {
    const words = highWords(part);
    for (let i = HIGH_WORD; i < words.length; i += 2) {
      const bucket = ((words[i] as number) & 0x7fffffff) >>> BUCKET_SHIFT;
      counts[bucket] = (counts[bucket] as number) + 1;
    }
  }
  const order = ranks.map((rank, index) => ({ rank, index })).sort((a, b) => a.rank - b.rank);
  // For each wanted rank: its bucket, and its rank among that bucket's values.
  const slotOfBucket = new Map<number, number>();
  const slots: { bucket: number; values: Float64Array; fill: number }[] = [];
  const wanted: { slot: number; offset: number; index: number }[] = [];
  let before = 0;
  let next = 0;
  for (let bucket = 0; bucket < BUCKETS && next < order.length; bucket++) {
    const count = counts[bucket] as number;
    while (next < order.length && (order[next] as { rank: number }).rank < before + count) {
      const { rank, index } = order[next] as { rank: number; index: number };
      let slot = slotOfBucket.get(bucket);
      if (slot === undefined) {
        slot = slots.length;
        slotOfBucket.set(bucket, slot);
        slots.push({ bucket, values: new Float64Array(count), fill: 0 });
      }
      wanted.push({ slot, offset: rank - before, index });
      next++;
    }
    before += count;
  }
  const mark = new Int16Array(BUCKETS).fill(-1);
  for (const [bucket, slot] of slotOfBucket) mark[bucket] = slot;
  for (const part of parts) {
    const words = highWords(part);
    for (let i = 0; i < part.length; i++) {
      const slot = mark[
        ((words[2 * i + HIGH_WORD] as number) & 0x7fffffff) >>> BUCKET_SHIFT
      ] as number;
      if (slot >= 0) {
        const target = slots[slot] as { values: Float64Array; fill: number };
        target.values[target.fill++] = part[i] as number;
      }
    }
  }
  for (const slot of slots) slot.values.sort();
  const result = new Array<number>(ranks.length);
  for (const { slot, offset, index } of wanted) {
    result[index] = (slots[slot] as { values: Float64Array }).values[offset] as number;
  }
  return result;
}

/**
 * Percentiles `qs` of the multiset formed by `parts` (n > 0 values, all >= 0), exactly, under
 * `method`. The one implementation every command's percentiles come from.
 *
 * @example
 * exactPercentiles([Float64Array.of(4, 1, 3, 2)], 4, [0.5], 'linear'); // [2.5]
 * exactPercentiles([Float64Array.of(4, 1, 3, 2)], 4, [0.5], 'seed'); // [3]
 */
export function exactPercentiles(
  parts: readonly Float64Array[],
  n: number,
  qs: readonly number[],
  method: PercentileMethod,
): number[] {
  const positions = qs.map((q) => percentileRanks(n, q, method));
  const ranks = [...new Set(positions.flatMap(({ low, high }) => [low, high]))];
  const values = valuesAtRanks(parts, n, ranks);
  const at = new Map(ranks.map((rank, i) => [rank, values[i] as number]));
  return positions.map(({ low, high, weight }) =>
    interpolate(at.get(low) as number, at.get(high) as number, weight),
  );
}
