import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { Context } from 'hono';
import type { AppEnv } from './app-types.js';

export type ResponseHeaders = Record<string, string>;

const JSON_TYPE = 'application/json';

/**
 * The headers of this request's answer, as a plain object with lower-case names. Every layer
 * adds to it and every answer is built from it by `respond`. Hono's `c.header()` keeps them in
 * a fetch `Headers` object, which @hono/node-server must then copy back into a plain object:
 * with the agent's seven headers that round trip cost ~1.6 µs of a ~25 µs request (measured).
 */
function headersOf(c: Context<AppEnv>): ResponseHeaders {
  let headers = c.get('responseHeaders');
  if (headers === undefined) {
    headers = {};
    c.set('responseHeaders', headers);
  }
  return headers;
}

/**
 * Sets a header of this request's answer, whichever layer builds the answer. Use this, never
 * `c.header()`: `respond` answers with these headers only. Throws (a TypeError, which the app's
 * error handler answers with a 500) on a name or value HTTP cannot carry, such as a value with
 * CR or LF: found only when the answer is written, it would crash the server instead.
 */
export function setResponseHeader(c: Context<AppEnv>, name: string, value: string): void {
  validateHeaderName(name);
  validateHeaderValue(name, value);
  headersOf(c)[name.toLowerCase()] = value;
}

/** The answer: `body` with this request's headers plus a content type, if given. */
export function respond(
  c: Context<AppEnv>,
  body: string | Uint8Array | null,
  status: number,
  contentType?: string,
): Response {
  const headers = headersOf(c);
  if (contentType !== undefined) headers['content-type'] = contentType;
  return new Response(body, { status, headers });
}

/** `value` as a JSON answer with this request's headers. */
export function respondJson(c: Context<AppEnv>, value: unknown, status = 200): Response {
  return respond(c, JSON.stringify(value), status, JSON_TYPE);
}
