import { EXPORT_CONTENT_TYPES, type ExportFormat, exportFileName } from './export-file.js';
import { renderItineraryIcs } from './itinerary-ics.js';
import { type ItineraryOptions, renderItineraryMarkdown } from './itinerary-markdown.js';
import type { Recommendation } from './scoring.js';

export interface RenderItineraryOptions extends ItineraryOptions {
  format: ExportFormat;
}

export interface RenderedItinerary {
  /** The itinerary: Markdown, or an RFC 5545 calendar with CRLF line endings. */
  body: string;
  /** `text/markdown; charset=utf-8` or `text/calendar; charset=utf-8`. */
  contentType: string;
  /**
   * A safe name for a copy on disk or a download, a hash of what the itinerary shows, never user
   * input: `itinerary-1a2b3c4d5e6f7a8b.md`. The same itinerary asked for again gets the same name.
   */
  fileName: string;
}

/**
 * A recommendation as an itinerary, in time order with rank, time, room, track, tags and score,
 * and a warning on sessions that clash. `markdown` escapes titles so they cannot inject markup;
 * `ics` gives one VEVENT per session, as UTC instants when the event's `timezone` is known.
 *
 * @example
 * const rec = recommendSessions(sessions, ['agents'], { top: 5 });
 * const { body, fileName } = renderItinerary(rec, { format: 'ics', timezone: 'Europe/Berlin' });
 * await writeExportFile('exports', fileName, body);
 */
export function renderItinerary(
  rec: Recommendation,
  { format, now = () => new Date(), ...options }: RenderItineraryOptions,
): RenderedItinerary {
  const at = now();
  const rendering = { ...options, now: () => at };
  const body =
    format === 'ics' ? renderItineraryIcs(rec, rendering) : renderItineraryMarkdown(rec, rendering);
  return {
    body,
    contentType: EXPORT_CONTENT_TYPES[format],
    fileName: exportFileName({ format, key: contentKey(rec, options, at) }),
  };
}

/**
 * Everything the itinerary shows except the moment it was generated: the ranking, the event, the
 * interests and the day that "HH:MM" sessions fall on (today, unless `date` is given).
 */
function contentKey(rec: Recommendation, options: ItineraryOptions, at: Date): string {
  const { eventName, timezone, interests, date } = options;
  return JSON.stringify([
    eventName ?? null,
    timezone ?? null,
    interests ?? null,
    date ?? at.toISOString().slice(0, 10),
    rec.sessions,
    rec.scoring,
    rec.conflicts,
  ]);
}
