// Parsers for option values (durations, times, counts, percentages, sizes live in sizes.ts, URLs).
// Each throws commander's InvalidArgumentError saying what to use instead; commander adds the flag.
import { InvalidArgumentError } from 'commander';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const DURATION = /^(\d+(?:\.\d+)?)(s|m|h|d|w)$/;

/** `15m`, `24h`, `7d`, `90s`, `1w` to seconds; throws commander's InvalidArgumentError otherwise. */
export function parseDuration(value: string): number {
  const match = DURATION.exec(value.trim());
  if (!match) {
    throw new InvalidArgumentError('Use a duration such as 90s, 15m, 24h or 7d.');
  }
  const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number);
  if (seconds <= 0) throw new InvalidArgumentError('The duration must be greater than zero.');
  return seconds;
}

/**
 * A point in time for --since/--until: a duration back from now (`15m`, `7d`), an ISO
 * timestamp (`2024-03-15T08:30:00Z`, `2024-03-15`) or Unix seconds. Returns Unix seconds.
 */
export function parseTimeBound(value: string, now: Date): number {
  const trimmed = value.trim();
  if (DURATION.test(trimmed)) return now.getTime() / 1000 - parseDuration(trimmed);
  // Unix seconds, as `date +%s` and the telemetry's own `ts` write them.
  if (/^\d{9,}(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    const ms = Date.parse(trimmed);
    if (Number.isFinite(ms)) return ms / 1000;
  }
  throw new InvalidArgumentError(
    'Use a duration back from now (15m, 24h, 7d), an ISO timestamp (2024-03-15T08:30:00Z) or Unix seconds.',
  );
}

/** `5%` or `5` to 5 (percent). */
export function parsePercent(value: string): number {
  const match = /^(\d+(?:\.\d+)?)%?$/.exec(value.trim());
  const percent = match ? Number(match[1]) : Number.NaN;
  if (!Number.isFinite(percent) || percent > 100) {
    throw new InvalidArgumentError('Use a percentage between 0 and 100, such as 5%.');
  }
  return percent;
}

/** `value` as a number that `fits`; otherwise commander's InvalidArgumentError saying `use`. */
function parseNumber(value: string, fits: (number: number) => boolean, use: string): number {
  const number = value.trim() === '' ? Number.NaN : Number(value);
  if (!fits(number)) throw new InvalidArgumentError(use);
  return number;
}

/** A non-negative number such as a latency in ms (`100`, `12.5`). */
export function parseNonNegative(value: string): number {
  return parseNumber(
    value,
    (number) => Number.isFinite(number) && number >= 0,
    'Use a number of zero or more, such as 100.',
  );
}

/** A whole number of at least one (`--top 5`, `--lines 20`). */
export function parsePositiveInt(value: string): number {
  return parseNumber(
    value,
    (number) => Number.isInteger(number) && number >= 1,
    'Use a whole number of 1 or more.',
  );
}

/** Like parsePositiveInt but zero is allowed (`--max-failures 0`). */
export function parseCount(value: string): number {
  return parseNumber(
    value,
    (number) => Number.isInteger(number) && number >= 0,
    'Use a whole number of 0 or more.',
  );
}

const USE_HTTP_URL = 'Use an http:// or https:// URL such as http://127.0.0.1:8000.';

/** An http(s) URL such as http://127.0.0.1:8000 (anything else is surely a typo). */
export function parseHttpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(USE_HTTP_URL);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError(USE_HTTP_URL);
  }
  return value;
}
