import { createHash } from 'node:crypto';
import type { Session } from '../manifest/manifest-schema.js';
import type { ItineraryOptions } from './itinerary-markdown.js';
import { type SessionSlot, sessionSlot, toUtcMillis, utcDate } from './itinerary-time.js';
import type { Recommendation } from './scoring.js';
import { findConflicts } from './scoring.js';

const CRLF = '\r\n';
const MAX_OCTETS = 75;

/**
 * RFC 5545 §3.3.11 TEXT escaping; other control characters are dropped (they are not allowed).
 *
 * @example
 * escapeIcsText('Hall A; Level 2, East\nDoor 3'); // 'Hall A\\; Level 2\\, East\\nDoor 3'
 */
export function escapeIcsText(text: string): string {
  return (
    text
      .replace(/\\/g, '\\\\')
      .replace(/;/g, '\\;')
      .replace(/,/g, '\\,')
      .replace(/\r\n|\r|\n/g, '\\n')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: RFC 5545 forbids control characters in TEXT
      .replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, '')
  );
}

/**
 * RFC 5545 §3.1 line folding: lines longer than 75 octets (UTF-8) are split with CRLF + space,
 * never inside a multi-byte character.
 *
 * @example
 * foldIcsLine(`DESCRIPTION:${'x'.repeat(100)}`).split('\r\n').length; // 2
 */
export function foldIcsLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  let limit = MAX_OCTETS;
  for (const ch of line) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (octets + size > limit) {
      out.push(current);
      current = ' ';
      octets = 1;
      limit = MAX_OCTETS;
    }
    current += ch;
    octets += size;
  }
  out.push(current);
  return out.join(CRLF);
}

const pad = (n: number) => String(n).padStart(2, '0');

function utcStamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function floatingStamp(date: string, time: SessionSlot['start']): string {
  return `${date.replace(/-/g, '')}T${pad(time.hour)}${pad(time.minute)}${pad(time.second)}`;
}

function dateTimeValue(
  slot: SessionSlot,
  which: 'start' | 'end',
  date: string,
  timezone: string | undefined,
): string {
  const time = slot[which];
  const day = time.date ?? date;
  if (time.offsetMinutes === undefined && !timezone) return floatingStamp(day, time);
  return utcStamp(toUtcMillis(time, day, timezone));
}

function uid(session: Session, date: string): string {
  const digest = createHash('sha256').update(`${session.id}\u0000${date}`).digest('hex');
  return `${digest.slice(0, 32)}@eventkit`;
}

/**
 * The recommendation as an RFC 5545 calendar (`text/calendar`): CRLF line endings, folded lines,
 * escaped text, one VEVENT per session with UID, DTSTAMP, DTSTART and DTEND. Times are floating
 * local times, or UTC instants when the event's `timezone` is given or a session has a UTC offset.
 *
 * @example
 * const ics = renderItineraryIcs(rec, { eventName: 'Event Kit Summit', timezone: 'Europe/Berlin' });
 */
export function renderItineraryIcs(
  rec: Recommendation,
  { eventName, interests, timezone, date, now = () => new Date() }: ItineraryOptions = {},
): string {
  const stampTime = now();
  const stamp = utcStamp(stampTime.getTime());
  const defaultDate = date ?? utcDate(stampTime);
  const clashes = new Map(findConflicts(rec.sessions).map((c) => [c.session, c.overlapsWith]));
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Event Kit//Itinerary//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${escapeIcsText(eventName ? `${eventName} itinerary` : 'Event Kit itinerary')}`,
  ];
  rec.sessions.forEach((session, i) => {
    const slot = sessionSlot(session);
    if (!slot) return;
    const day = slot.date ?? defaultDate;
    const description = [
      `Rank ${i + 1}${rec.scoring[i] ? `, score ${rec.scoring[i]?.score}` : ''}`,
      session.track ? `Track: ${session.track}` : '',
      session.tags.length ? `Tags: ${session.tags.join(', ')}` : '',
      interests?.length ? `Interests: ${interests.join(', ')}` : '',
      clashes.has(session) ? `Overlaps with: ${clashes.get(session)?.title}` : '',
    ].filter(Boolean);
    lines.push(
      'BEGIN:VEVENT',
      `UID:${uid(session, day)}`,
      `DTSTAMP:${stamp}`,
      `DTSTART:${dateTimeValue(slot, 'start', day, timezone)}`,
      `DTEND:${dateTimeValue(slot, 'end', day, timezone)}`,
      `SUMMARY:${escapeIcsText(session.title)}`,
    );
    if (session.location) lines.push(`LOCATION:${escapeIcsText(session.location)}`);
    if (session.tags.length) lines.push(`CATEGORIES:${session.tags.map(escapeIcsText).join(',')}`);
    lines.push(`DESCRIPTION:${escapeIcsText(description.join('\n'))}`, 'END:VEVENT');
  });
  lines.push('END:VCALENDAR');
  return lines.map(foldIcsLine).join(CRLF) + CRLF;
}
