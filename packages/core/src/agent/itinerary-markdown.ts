import type { Session } from '../manifest/manifest-schema.js';
import { hhmm, sessionSlot } from './itinerary-time.js';
import type { Recommendation } from './scoring.js';
import { findConflicts } from './scoring.js';

export interface ItineraryOptions {
  /** Shown in the heading and used as the calendar name. */
  eventName?: string;
  /** The normalised interests the itinerary was made for. */
  interests?: readonly string[];
  /** IANA time zone of the event (agent.json `event.timezone`); ICS times are then exact instants. */
  timezone?: string;
  /** Date ("YYYY-MM-DD") for sessions that have only "HH:MM"; defaults to today (UTC) from `now`. */
  date?: string;
  now?: () => Date;
}

/**
 * Escapes text so that titles from manifests or calendars cannot inject Markdown structure.
 *
 * @example
 * escapeMarkdown('[x](y)'); // '\\[x\\]\\(y\\)'
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[\\`*_{}[\]<>()#+!|~]/g, (ch) => `\\${ch}`)
    .replace(/^([-=])/, '\\$1');
}

interface Entry {
  rank: number;
  session: Session;
  score: number | undefined;
  day: string | undefined;
  sortKey: string;
  clash: Session | undefined;
}

/** Itinerary entries in time order (undated first), with rank, score and the session each one clashes with. */
export function itineraryEntries(rec: Recommendation): Entry[] {
  const clashes = new Map(findConflicts(rec.sessions).map((c) => [c.session, c.overlapsWith]));
  return rec.sessions
    .map((session, i) => {
      const slot = sessionSlot(session);
      return {
        rank: i + 1,
        session,
        score: rec.scoring[i]?.score,
        day: slot?.date,
        sortKey: `${slot?.date ?? ''}T${slot ? hhmm(slot.start) : ''}#${String(i).padStart(6, '0')}`,
        clash: clashes.get(session),
      };
    })
    .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
}

/**
 * The recommendation as a Markdown itinerary, grouped by day in time order, with each session's
 * rank, time, room, track, tags and score, and a warning on sessions that clash.
 *
 * @example
 * const markdown = renderItineraryMarkdown(rec, { eventName: 'Event Kit Summit', interests });
 */
export function renderItineraryMarkdown(
  rec: Recommendation,
  { eventName, interests, now = () => new Date() }: ItineraryOptions = {},
): string {
  const lines: string[] = [`# Itinerary${eventName ? `: ${escapeMarkdown(eventName)}` : ''}`, ''];
  if (interests && interests.length > 0) {
    lines.push(`Interests: ${interests.map(escapeMarkdown).join(', ')}  `);
  }
  lines.push(
    `Sessions: ${rec.sessions.length} · time conflicts: ${rec.conflicts}  `,
    `Generated: ${now().toISOString()}`,
  );
  if (rec.sessions.length === 0) lines.push('', 'No sessions matched.');
  let currentDay: string | undefined | null = null;
  for (const entry of itineraryEntries(rec)) {
    if (entry.day !== currentDay) {
      currentDay = entry.day;
      lines.push('', `## ${entry.day ?? 'Sessions'}`, '');
    }
    const { session } = entry;
    const slot = sessionSlot(session);
    const time = slot ? `${hhmm(slot.start)}–${hhmm(slot.end)}` : `${session.start}–${session.end}`;
    const where = [session.location, session.track]
      .filter(Boolean)
      .map((s) => escapeMarkdown(s as string));
    lines.push(
      `- **${time}** ${escapeMarkdown(session.title)}${where.length ? ` (${where.join(', ')})` : ''}`,
    );
    const details = [`rank ${entry.rank}`];
    if (entry.score !== undefined) details.push(`score ${entry.score}`);
    if (session.tags.length) details.push(`tags: ${session.tags.map(escapeMarkdown).join(', ')}`);
    lines.push(`  - ${details.join(' · ')}`);
    if (entry.clash) lines.push(`  - ⚠ overlaps with ${escapeMarkdown(entry.clash.title)}`);
  }
  return `${lines.join('\n')}\n`;
}
