import type { RawResponse } from './raw-http.js';

/** Signs of an internal error reaching a client: stack frames, source paths, Node internals. */
const LEAK =
  /\n\s+at |node:internal|\/work\/|\/src\/[\w/-]+\.ts|\.js:\d+:\d+|TypeError|ReferenceError|RangeError/;

/**
 * What a client may get back for any input: a 2xx, or a clear 4xx (JSON `{error}` from the agent,
 * or Node's own bare 400/414/431 for a request it cannot parse), never a 5xx or a stack trace.
 * Returns a problem description, or undefined when the answer is fine.
 */
export function clientAnswerProblem(response: RawResponse): string | undefined {
  const { status, body } = response;
  if (status === 0) return 'no HTTP answer';
  if (status >= 500) return `status ${status}: ${body.slice(0, 200)}`;
  if (LEAK.test(body)) return `internal detail leaked: ${body.slice(0, 300)}`;
  if (status < 400) return undefined;
  // Rejected by Node's HTTP parser before the app: a bare 4xx, nothing written anywhere.
  if (!response.headers['x-trace-id'] && body.length === 0) return undefined;
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error !== 'string' || parsed.error.trim() === '') {
      return `status ${status} without an error message: ${body.slice(0, 200)}`;
    }
    if (parsed.error.length > 1000)
      return `status ${status} with a ${parsed.error.length}-char message`;
  } catch {
    return `status ${status} with a non-JSON body: ${body.slice(0, 200)}`;
  }
  return undefined;
}

/** Percent-encodes every byte of the string's UTF-8 (lone surrogates become U+FFFD). */
export function percentEncode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}
