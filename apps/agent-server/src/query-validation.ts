import { EventKitError, parseInterests } from '@eventkit/core';

export const MAX_INTERESTS_CHARS = 500;
export const MAX_INTERESTS = 20;
export const MAX_TITLE_CHARS = 500;
export const TOP_MIN = 1;
export const TOP_MAX = 50;

// Letters and digits of any script, spaces and the punctuation that shows up in topic names.
const INTEREST_CHARS = /^[\p{L}\p{M}\p{N} ,;\-_.&+#/'():]*$/u;
const NOT_INTEREST_CHAR = /[^\p{L}\p{M}\p{N} ,;\-_.&+#/'():]/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const PROFILE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const bad = (message: string): never => {
  throw new EventKitError('INVALID_INPUT', message);
};

/** Shows one offending character safely (JSON escapes make control characters visible). */
const describeChar = (ch: string) => JSON.stringify(ch);

/**
 * `interests`: required, at most 500 characters, letters/digits/spaces and `, ; - _ . & + # / ' ( ) :`,
 * at most 20 distinct interests after splitting on `,`/`;`.
 */
export function readInterests(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') {
    return bad('interests must not be empty; pass e.g. ?interests=agents,ai%20safety');
  }
  if (raw.length > MAX_INTERESTS_CHARS) {
    return bad(`interests must be at most ${MAX_INTERESTS_CHARS} characters (got ${raw.length})`);
  }
  if (!INTEREST_CHARS.test(raw)) {
    const ch = NOT_INTEREST_CHAR.exec(raw)?.[0] ?? '?';
    return bad(
      `interests contain a character that is not allowed: ${describeChar(ch)}; use letters, digits, spaces and , ; - _ . & + # / ' ( ) :`,
    );
  }
  const interests = parseInterests(raw);
  if (interests.length === 0) {
    return bad('interests must not be empty; pass e.g. ?interests=agents,ai%20safety');
  }
  if (interests.length > MAX_INTERESTS) {
    return bad(`interests must name at most ${MAX_INTERESTS} topics (got ${interests.length})`);
  }
  return interests;
}

/**
 * `readInterests` remembering its answers for the last `maxEntries` distinct raw strings: the
 * same frozen array for a repeated query (so callers can key on it), the same error for bad input
 * (errors are not remembered).
 */
export function createInterestsReader(
  maxEntries = 1000,
): (raw: string | undefined) => readonly string[] {
  const known = new Map<string, readonly string[]>();
  return (raw) => {
    if (raw === undefined) return readInterests(raw);
    let interests = known.get(raw);
    if (interests === undefined) {
      interests = Object.freeze(readInterests(raw));
      if (known.size >= maxEntries) known.clear();
      known.set(raw, interests);
    }
    return interests;
  };
}

/** `top`: a whole number from 1 to 50; absent = the manifest's `recommend.max_sessions_default`. */
export function readTop(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = /^\d{1,3}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(value) || value < TOP_MIN || value > TOP_MAX) {
    return bad(
      `top must be a whole number from ${TOP_MIN} to ${TOP_MAX} (got ${JSON.stringify(raw.slice(0, 20))})`,
    );
  }
  return value;
}

/** `session` of /explain: a title, matched case-insensitively. */
export function readSessionTitle(raw: string | undefined): string {
  if (raw === undefined || raw.trim() === '') {
    return bad(
      'session must not be empty; pass the title, e.g. ?session=AI%20Safety%20Foundations',
    );
  }
  if (raw.length > MAX_TITLE_CHARS) {
    return bad(`session must be at most ${MAX_TITLE_CHARS} characters (got ${raw.length})`);
  }
  const control = CONTROL.exec(raw);
  if (control) {
    return bad(`session contains a control character: ${describeChar(control[0])}`);
  }
  return raw;
}

/** `profileSave` / `profileLoad`: 1–64 of A–Z a–z 0–9 _ -. */
export function readProfileName(raw: string | undefined, param: string): string | undefined {
  if (raw === undefined) return undefined;
  if (!PROFILE_NAME.test(raw)) {
    return bad(
      `${param} must be 1 to 64 letters, digits, "_" or "-" (got ${JSON.stringify(raw.slice(0, 70))})`,
    );
  }
  return raw;
}

export type ExportFormat = 'markdown' | 'ics';

/** `format` of /export: markdown (default) or ics. */
export function readFormat(raw: string | undefined): ExportFormat {
  const value = (raw ?? 'markdown').trim().toLowerCase();
  if (value === 'markdown' || value === 'md' || value === '') return 'markdown';
  if (value === 'ics' || value === 'ical' || value === 'icalendar') return 'ics';
  return bad(`format must be markdown or ics (got ${JSON.stringify(raw?.slice(0, 20))})`);
}

/** A boolean flag such as `card=1`. */
export function readFlag(raw: string | undefined, param: string): boolean {
  if (raw === undefined) return false;
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on', ''].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  return bad(`${param} must be 1 or 0 (got ${JSON.stringify(raw.slice(0, 20))})`);
}
