/** Python's logging levels, lowest first; the numbers are Python's so filtering reads the same. */
export const LOG_LEVELS = {
  DEBUG: 10,
  INFO: 20,
  WARNING: 30,
  ERROR: 40,
  CRITICAL: 50,
} as const;
export type LogLevel = keyof typeof LOG_LEVELS;

export function isLogLevel(value: string): value is LogLevel {
  return Object.hasOwn(LOG_LEVELS, value);
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * Python's `%(asctime)s`: local time, `2024-03-15 08:30:00,123`.
 *
 * @example
 * formatLogTime(new Date(2024, 2, 15, 8, 30, 0, 123)); // '2024-03-15 08:30:00,123'
 */
export function formatLogTime(date: Date): string {
  return (
    `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())} ` +
    `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())},` +
    String(date.getMilliseconds()).padStart(3, '0')
  );
}

/**
 * `formatLogTime` for a stream of mostly increasing times: the `2024-03-15 08:30:00,` part is
 * formatted once per second and reused, only the milliseconds are added per call.
 *
 * @example
 * const logTime = createLogTimeFormatter();
 * logTime(new Date(2024, 2, 15, 8, 30, 0, 123)); // '2024-03-15 08:30:00,123'
 */
export function createLogTimeFormatter(): (date: Date) => string {
  let second = Number.NaN;
  let prefix = '';
  return (date) => {
    const ms = date.getTime();
    const s = Math.floor(ms / 1000);
    if (s !== second) {
      second = s;
      prefix = formatLogTime(date).slice(0, -3);
    }
    const milli = ms - s * 1000;
    return prefix + (milli < 10 ? `00${milli}` : milli < 100 ? `0${milli}` : `${milli}`);
  };
}

// C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators: everything a
// terminal, `grep` or a log shipper could read as a line break or an escape sequence.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Makes text safe for one log line: CR, LF, tab and every other control character become
 * visible escapes, so input that reaches a message can never start a forged line.
 *
 * @example
 * escapeLogText('ok\n2024-01-01 00:00:00,000 - x - ERROR - forged'); // 'ok\\n2024-… - forged'
 */
export function escapeLogText(text: string): string {
  return text.replace(
    UNSAFE,
    (ch) => NAMED[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** One line in the seed's format `%(asctime)s - %(name)s - %(levelname)s - %(message)s`, with `\n`. */
export function formatLogLine(date: Date, name: string, level: LogLevel, message: string): string {
  return `${formatLogTime(date)} - ${escapeLogText(name)} - ${level} - ${escapeLogText(message)}\n`;
}
