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

/**
 * When a session takes place, for display: `2026-03-15 09:00–09:45` (the date when the manifest
 * gives one), or the manifest's own strings when they are not times it can read.
 *
 * @example
 * describeSessionTime({ ...session, date: '2026-03-15', start: '09:00', end: '09:45' });
 * // '2026-03-15 09:00–09:45'
 */
export function describeSessionTime(session: Session): string {
  const slot = sessionSlot(session);
  if (!slot) return `${session.start}–${session.end}`;
  return `${slot.date ? `${slot.date} ` : ''}${hhmm(slot.start)}–${hhmm(slot.end)}`;
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
