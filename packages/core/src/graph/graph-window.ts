import { EventKitError } from '../errors.js';

/** Days of calendar read when a request gives no end. */
export const DEFAULT_GRAPH_WINDOW_DAYS = 7;
/** The widest window one request may read. */
export const MAX_GRAPH_WINDOW_DAYS = 366;

const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/i;

export interface GraphWindowOptions {
  /** ISO date ("2026-03-15", UTC midnight) or date-time with offset; default `now`. */
  start?: string | undefined;
  /** Same forms; default `start` + `days`. */
  end?: string | undefined;
  now?: Date;
  days?: number;
}

/**
 * The calendar window for a Graph request, from raw user input (query string or flags) with
 * defaults, validated: `INVALID_INPUT` names the bad field.
 *
 * @example
 * graphWindow({ start: '2026-03-15', end: '2026-03-17' }); // 15 Mar 00:00Z to 17 Mar 00:00Z
 */
export function graphWindow({
  start,
  end,
  now = new Date(),
  days = DEFAULT_GRAPH_WINDOW_DAYS,
}: GraphWindowOptions = {}): { start: Date; end: Date } {
  const from = start === undefined ? now : parseInstant(start, 'start');
  const to =
    end === undefined ? new Date(from.getTime() + days * DAY_MS) : parseInstant(end, 'end');
  if (to <= from) throw new EventKitError('INVALID_INPUT', 'end must be after start');
  if (to.getTime() - from.getTime() > MAX_GRAPH_WINDOW_DAYS * DAY_MS) {
    throw new EventKitError(
      'INVALID_INPUT',
      `the window from start to end must be at most ${MAX_GRAPH_WINDOW_DAYS} days`,
    );
  }
  return { start: from, end: to };
}

function parseInstant(raw: string, field: string): Date {
  const value = raw.trim();
  const ms = DATE_ONLY.test(value)
    ? Date.parse(`${value}T00:00:00Z`)
    : DATE_TIME.test(value)
      ? Date.parse(value)
      : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new EventKitError(
      'INVALID_INPUT',
      `${field} must be an ISO date such as 2026-03-15 or a date-time with offset such as 2026-03-15T09:00:00Z`,
    );
  }
  return new Date(ms);
}
