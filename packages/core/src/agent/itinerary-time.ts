import type { Session } from '../manifest/manifest-schema.js';
import { parseSessionTime, type SessionTime } from '../manifest/session-time.js';

/** Wall-clock parts of a session as the manifest wrote them (for display and for floating ICS times). */
export interface SessionSlot {
  date: string | undefined;
  start: SessionTime;
  end: SessionTime;
}

export function sessionSlot(session: Session): SessionSlot | undefined {
  const start = parseSessionTime(session.start, session.date);
  const end = parseSessionTime(session.end, session.date ?? start?.date);
  if (!start || !end) return undefined;
  return { date: start.date, start, end };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function hhmm(time: SessionTime): string {
  return `${pad(time.hour)}:${pad(time.minute)}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

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
 * The UTC instant of a wall-clock time in `timeZone` (IANA), or of the time's own UTC offset
 * when it has one. Times that do not exist (DST gaps) move forward, as calendar apps do.
 */
export function toUtcMillis(time: SessionTime, date: string, timeZone?: string): number {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, mo - 1, d, time.hour, time.minute, time.second);
  if (time.offsetMinutes !== undefined) return wall - time.offsetMinutes * 60_000;
  if (!timeZone) return wall;
  const guess = wall - zoneOffset(wall, timeZone);
  return wall - zoneOffset(guess, timeZone);
}

/** "YYYY-MM-DD" of an instant in UTC. */
export function utcDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}
