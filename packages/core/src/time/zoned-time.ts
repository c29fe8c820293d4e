const formatters = new Map<string, Intl.DateTimeFormat>();

/** Throws a RangeError for a time zone that is not an IANA name Intl knows. */
function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Offset of `timeZone` from UTC at the instant `utcMs`, in milliseconds. */
function zoneOffset(utcMs: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of zoneFormatter(timeZone).formatToParts(new Date(utcMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return asUtc - (utcMs - (((utcMs % 1000) + 1000) % 1000));
}

/**
 * The UTC instant of a wall-clock time in an IANA `timeZone`; `wallMs` is that wall time read as
 * if it were UTC (`Date.UTC(y, m, d, h, mi, s)`). Times that do not exist (DST gaps) move
 * forward, as calendar apps do. Throws a RangeError for an unknown zone.
 *
 * @example
 * zonedWallTimeToUtc(Date.UTC(2026, 5, 10, 9, 0), 'Europe/Berlin'); // 2026-06-10T07:00:00Z
 */
export function zonedWallTimeToUtc(wallMs: number, timeZone: string): number {
  // Two passes settle the offset, also next to a DST switch.
  const guess = wallMs - zoneOffset(wallMs, timeZone);
  return wallMs - zoneOffset(guess, timeZone);
}

/**
 * The wall-clock time in `timeZone` at the UTC instant `utcMs`, read as if it were UTC (the inverse
 * of zonedWallTimeToUtc, whole seconds). Throws a RangeError for an unknown zone.
 *
 * @example
 * new Date(utcToZonedWallTime(Date.UTC(2026, 5, 10, 7, 0), 'Europe/Berlin')).toISOString(); // 2026-06-10T09:00:00.000Z
 */
export function utcToZonedWallTime(utcMs: number, timeZone: string): number {
  return utcMs - (((utcMs % 1000) + 1000) % 1000) + zoneOffset(utcMs, timeZone);
}
