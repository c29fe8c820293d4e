import { z } from 'zod';
import { EventKitError } from '../errors.js';
import { type Session, sessionSchema } from '../manifest/manifest-schema.js';
import { zonedWallTimeToUtc } from '../time/zoned-time.js';

/**
 * Popularity of a session read from a calendar, which has no such notion: the middle of the
 * 0..1 scale, so Graph sessions rank by interest match and neither gain nor lose on popularity.
 */
export const DEFAULT_GRAPH_POPULARITY = 0.5;

const graphDateTimeSchema = z.object({ dateTime: z.string(), timeZone: z.string() });

/** The fields of a Graph `event` resource that become a session; other fields are ignored. */
const graphEventSchema = z.object({
  id: z.string().min(1),
  subject: z.string().nullish(),
  categories: z.array(z.string()).nullish(),
  start: graphDateTimeSchema,
  end: graphDateTimeSchema,
  location: z.object({ displayName: z.string().nullish() }).nullish(),
  isCancelled: z.boolean().nullish(),
  isAllDay: z.boolean().nullish(),
});

const calendarPageSchema = z.object({
  value: z.array(graphEventSchema),
  '@odata.nextLink': z.string().optional(),
});

export type GraphEvent = z.infer<typeof graphEventSchema>;

export interface CalendarPage {
  events: GraphEvent[];
  nextLink: string | undefined;
}

/** Validates one calendarView page; the message names the first bad field, never its value. */
export function parseCalendarPage(json: unknown): CalendarPage {
  const parsed = calendarPageSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.length
      ? issue.path.map(formatPathPart).join('').replace(/^\./, '')
      : 'body';
    throw new EventKitError(
      'UPSTREAM_FAILED',
      `Graph calendarView returned a malformed page: ${path} ${issue?.message ?? 'is invalid'}`,
    );
  }
  return { events: parsed.data.value, nextLink: parsed.data['@odata.nextLink'] };
}

function formatPathPart(part: PropertyKey): string {
  return typeof part === 'number' ? `[${part}]` : `.${String(part)}`;
}

export type MappedEvent =
  | { ok: true; session: Session }
  | { ok: false; reason: 'cancelled' | 'all-day' | 'invalid' };

/**
 * Maps a Graph event to a session: subject → title, categories → tags (lowercased), start/end →
 * UTC ISO date-times, location.displayName → location, popularity `DEFAULT_GRAPH_POPULARITY`.
 * Cancelled and all-day events are skipped (an all-day block would conflict with every session).
 */
export function mapGraphEvent(
  event: GraphEvent,
  popularity = DEFAULT_GRAPH_POPULARITY,
): MappedEvent {
  if (event.isCancelled) return { ok: false, reason: 'cancelled' };
  if (event.isAllDay) return { ok: false, reason: 'all-day' };
  const tags = [
    ...new Set(
      (event.categories ?? [])
        .map((category) => category.trim().toLowerCase().slice(0, 100))
        .filter((category) => category !== ''),
    ),
  ].slice(0, 100);
  const parsed = sessionSchema.safeParse({
    id: event.id.slice(0, 200),
    title: (event.subject?.trim() || '(no subject)').slice(0, 500),
    start: toUtcIso(event.start.dateTime, event.start.timeZone, 'start'),
    end: toUtcIso(event.end.dateTime, event.end.timeZone, 'end'),
    location: (event.location?.displayName ?? '').slice(0, 500),
    tags,
    popularity,
  });
  // What remains invalid here is a calendar entry that is not a session (e.g. it ends when it starts).
  return parsed.success ? { ok: true, session: parsed.data } : { ok: false, reason: 'invalid' };
}

const UTC_ZONES = new Set(['utc', 'etc/utc', 'gmt', 'etc/gmt', 'coordinated universal time']);
const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;

/**
 * A Graph `dateTimeTimeZone` ("2026-03-15T13:00:00.0000000" in "UTC" or an IANA zone) as a UTC
 * ISO string "2026-03-15T13:00:00Z". We ask for UTC (`Prefer: outlook.timezone="UTC"`); IANA
 * zones are converted in case a proxy drops the header, Windows zone names are refused.
 */
export function toUtcIso(dateTime: string, timeZone: string, field = 'dateTime'): string {
  const m = LOCAL_RE.exec(dateTime.trim());
  if (!m) {
    throw new EventKitError(
      'UPSTREAM_FAILED',
      `Graph calendarView returned a malformed ${field}.dateTime; expected "YYYY-MM-DDTHH:MM:SS"`,
    );
  }
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((part) => Number(part ?? 0)) as number[];
  const wall = Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
  const zone = timeZone.trim();
  const instant = UTC_ZONES.has(zone.toLowerCase()) ? wall : wallTimeToUtc(wall, zone, field);
  return `${new Date(instant).toISOString().slice(0, 19)}Z`;
}

function wallTimeToUtc(wall: number, timeZone: string, field: string): number {
  try {
    return zonedWallTimeToUtc(wall, timeZone);
  } catch {
    throw new EventKitError(
      'UPSTREAM_FAILED',
      `Graph calendarView returned ${field}.timeZone "${timeZone.slice(0, 64)}", which is neither UTC nor an IANA zone (the Prefer: outlook.timezone="UTC" header was not honoured)`,
    );
  }
}
