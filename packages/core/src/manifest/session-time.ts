/**
 * Session times as agent.json writes them: "HH:MM" (optionally with a separate `date`
 * "YYYY-MM-DD"), or a full ISO date-time, with or without a UTC offset.
 */
export interface SessionTime {
  /** Calendar date "YYYY-MM-DD"; undefined for a bare "HH:MM" without a session `date`. */
  date: string | undefined;
  hour: number;
  minute: number;
  second: number;
  /** Minutes east of UTC; undefined for floating (local) time. */
  offsetMinutes: number | undefined;
}

const TIME_RE = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE =
  /^(\d{4}-\d{2}-\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** True for a real calendar date written "YYYY-MM-DD". */
export function isValidDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d;
}

function clock(h: string, m: string, s: string | undefined) {
  const hour = Number(h);
  const minute = Number(m);
  const second = s === undefined ? 0 : Number(s);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return { hour, minute, second };
}

function parseOffset(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (raw.toUpperCase() === 'Z') return 0;
  const digits = raw.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  return raw.startsWith('-') ? -minutes : minutes;
}

/**
 * Parses a session `start`/`end` value; `date` is the session's optional `date` field and is
 * used only for a bare "HH:MM". Returns undefined when the value is not a valid time.
 *
 * @example
 * parseSessionTime('13:00', '2026-06-10'); // { date: '2026-06-10', hour: 13, minute: 0, second: 0, offsetMinutes: undefined }
 * parseSessionTime('2026-06-10T13:00+02:00'); // { date: '2026-06-10', hour: 13, …, offsetMinutes: 120 }
 */
export function parseSessionTime(value: string, date?: string): SessionTime | undefined {
  const t = TIME_RE.exec(value);
  if (t) {
    const c = clock(t[1] as string, t[2] as string, t[3]);
    return c && { date, ...c, offsetMinutes: undefined };
  }
  const dt = DATETIME_RE.exec(value);
  if (!dt) return undefined;
  const day = dt[1] as string;
  if (!isValidDate(day)) return undefined;
  const c = clock(dt[2] as string, dt[3] as string, dt[4]);
  const offsetMinutes = parseOffset(dt[5]);
  if (!c || (offsetMinutes !== undefined && Math.abs(offsetMinutes) > 18 * 60)) return undefined;
  return { date: day, ...c, offsetMinutes };
}

/**
 * A comparable instant in milliseconds. Floating times are placed as if they were UTC and
 * undated ones on one shared day, so that single-day manifests ("HH:MM" only) compare naturally.
 */
export function sessionTimeToMillis(time: SessionTime): number {
  const [y, mo, d] = (time.date ?? '1970-01-01').split('-').map(Number) as [number, number, number];
  const local = Date.UTC(y, mo - 1, d, time.hour, time.minute, time.second);
  return local - (time.offsetMinutes ?? 0) * 60_000;
}

/** Half-open interval [start, end) of a session in comparable milliseconds. */
export interface SessionInterval {
  start: number;
  end: number;
}

/**
 * The time interval of a session, or undefined when its times do not parse (a validated
 * manifest never has such sessions).
 *
 * @example
 * const a = sessionInterval({ start: '13:00', end: '13:40' });
 * const b = sessionInterval({ start: '13:30', end: '14:10' });
 * a && b && intervalsOverlap(a, b); // true
 */
export function sessionInterval(session: {
  start: string;
  end: string;
  date?: string | undefined;
}): SessionInterval | undefined {
  const start = parseSessionTime(session.start, session.date);
  const end = parseSessionTime(session.end, session.date ?? start?.date);
  if (!start || !end) return undefined;
  return { start: sessionTimeToMillis(start), end: sessionTimeToMillis(end) };
}

/** True when two sessions share any moment in time (touching end/start does not count). */
export function intervalsOverlap(a: SessionInterval, b: SessionInterval): boolean {
  return a.start < b.end && b.start < a.end;
}
