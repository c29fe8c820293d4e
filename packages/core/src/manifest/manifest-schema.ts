import { z } from 'zod';
import { isValidDate, parseSessionTime, sessionInterval } from './session-time.js';

const TIME_HINT = 'must be a time "HH:MM" or an ISO date-time such as "2026-03-15T13:00"';

let canonicalTimeZones: Set<string> | undefined;

/**
 * Whether `Intl.DateTimeFormat` accepts the zone. The list of canonical zone names answers the
 * common case without constructing a formatter, which maps ICU's data into a process that
 * may never format a date (the exporter reading its default telemetry file); anything not on it
 * (aliases, other spellings) is still decided by `Intl.DateTimeFormat`.
 */
function isTimeZone(value: string): boolean {
  canonicalTimeZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (canonicalTimeZones.has(value)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const nonEmpty = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/**
 * One conference session. Unknown keys are dropped; `track` and `date` are optional; `end` must
 * be after `start`. Also used to validate sessions from other sources (external file, Graph).
 *
 * @example
 * sessionSchema.parse({ id: 's1', title: 'AI Safety Foundations', start: '13:00', end: '13:40',
 *   location: 'Hall A', tags: ['ai safety'], popularity: 0.8 });
 */
export const sessionSchema = z
  .object({
    id: nonEmpty(200),
    title: nonEmpty(500),
    start: z.string(),
    end: z.string(),
    date: z.string().refine(isValidDate, 'must be a date "YYYY-MM-DD"').optional(),
    location: z.string().max(500, 'must be at most 500 characters').default(''),
    track: z.string().max(200, 'must be at most 200 characters').optional(),
    tags: z.array(nonEmpty(100)).max(100, 'must have at most 100 tags').default([]),
    popularity: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1'),
  })
  .superRefine((session, ctx) => {
    if (typeof session.start !== 'string' || typeof session.end !== 'string') return;
    const start = parseSessionTime(session.start, session.date);
    const end = parseSessionTime(session.end, session.date ?? start?.date);
    if (!start) ctx.addIssue({ code: 'custom', path: ['start'], message: TIME_HINT });
    if (!end) ctx.addIssue({ code: 'custom', path: ['end'], message: TIME_HINT });
    if (!start || !end) return;
    const interval = sessionInterval(session);
    if (interval && interval.end <= interval.start) {
      ctx.addIssue({
        code: 'custom',
        path: ['end'],
        message: `must be after start (start ${session.start}, end ${session.end})`,
      });
    }
  });

export type Session = z.infer<typeof sessionSchema>;
/** What a session source (manifest, external file, Graph) may hand in before defaults. */
export type SessionInput = z.input<typeof sessionSchema>;

const weight = z.number().min(0, 'must be 0 or more').max(1000, 'must be at most 1000');

/** Scoring weights; each defaults to the Python Event Kit's value. */
export const weightsSchema = z.object({
  interest: weight.default(2.0),
  popularity: weight.default(0.5),
  diversity: weight.default(0.3),
});
export type Weights = z.infer<typeof weightsSchema>;

/** `telemetry` (and the older `features.telemetry`). */
/** How many files a retention keeps and for how many days; 0 turns a limit off. */
const retentionLimits = {
  maxFiles: z
    .number()
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(100_000, 'must be at most 100000')
    .optional(),
  maxAgeDays: z
    .number()
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(36_500, 'must be at most 36500')
    .optional(),
};

export const telemetryConfigSchema = z.looseObject({
  enabled: z.boolean().default(true),
  file: nonEmpty(4096).default('telemetry.jsonl'),
  maxSizeBytes: z.number().int('must be a whole number').min(0, 'must be 0 or more').optional(),
  /** Rotated archives kept beside the live file (default 20), and their age limit (default 30). */
  ...retentionLimits,
});

const exportFeatureSchema = z.looseObject({
  enabled: z.boolean().default(false),
  output_dir: nonEmpty(4096).default('exports'),
  /** Export copies kept in output_dir, newest first (default 100), and their age limit (default 7). */
  ...retentionLimits,
});

const externalSessionsFeatureSchema = z.looseObject({
  enabled: z.boolean().default(false),
  file: nonEmpty(4096).default('sessions_external.json'),
});

/**
 * agent.json: the event's sessions and the agent's settings (DESIGN.md). Keys it does not know
 * (`explain`, `profile`, …) are tolerated and kept. Prefer `parseManifest`, which turns issues
 * into one readable line.
 *
 * @example
 * const result = manifestSchema.safeParse(JSON.parse(text));
 */
export const manifestSchema = z
  .looseObject({
    event: z
      .looseObject({
        name: z.string().max(500).optional(),
        timezone: z
          .string()
          .refine(isTimeZone, 'must be an IANA time zone such as "Europe/Berlin"')
          .optional(),
      })
      .optional(),
    sessions: z.array(sessionSchema).max(100_000, 'must have at most 100000 sessions'),
    weights: weightsSchema.prefault({}),
    recommend: z
      .looseObject({
        max_sessions_default: z
          .number()
          .int('must be a whole number')
          .min(1, 'must be between 1 and 50')
          .max(50, 'must be between 1 and 50')
          .default(3),
      })
      .prefault({}),
    telemetry: telemetryConfigSchema.optional(),
    explain: z.looseObject({ include_contributions: z.boolean().default(true) }).optional(),
    profile: z.looseObject({ storage_file: nonEmpty(4096).optional() }).optional(),
    features: z
      .looseObject({
        telemetry: telemetryConfigSchema.optional(),
        export: exportFeatureSchema.prefault({}),
        externalSessions: externalSessionsFeatureSchema.prefault({}),
      })
      .prefault({}),
  })
  .superRefine((manifest, ctx) => {
    if (!Array.isArray(manifest.sessions)) return;
    const seen = new Map<string, number>();
    manifest.sessions.forEach((session, index) => {
      if (typeof session?.id !== 'string') return;
      const first = seen.get(session.id);
      if (first === undefined) seen.set(session.id, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: ['sessions', index, 'id'],
          message: `"${session.id}" is already used by sessions[${first}]; ids must be unique`,
        });
    });
  });

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestInput = z.input<typeof manifestSchema>;
