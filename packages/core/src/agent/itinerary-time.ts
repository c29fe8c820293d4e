import type { Session } from '../manifest/manifest-schema.js';
import { parseSessionTime, type SessionTime } from '../manifest/session-time.js';
import { zonedWallTimeToUtc } from '../time/zoned-time.js';

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

/**
 * The UTC instant of a wall-clock time in `timeZone` (IANA), or of the time's own UTC offset
 * when it has one. Times that do not exist (DST gaps) move forward, as calendar apps do.
 */
export function toUtcMillis(time: SessionTime, date: string, timeZone?: string): number {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, mo - 1, d, time.hour, time.minute, time.second);
  if (time.offsetMinutes !== undefined) return wall - time.offsetMinutes * 60_000;
  if (!timeZone) return wall;
  return zonedWallTimeToUtc(wall, timeZone);
}

/** "YYYY-MM-DD" of an instant in UTC. */
export function utcDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}
