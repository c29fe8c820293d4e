import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import type { AppEnv } from './app-types.js';

/**
 * A request header by lower-case name, read from Node's own (lazily parsed, plain-object) headers
 * when the request came over a socket. Hono's `c.req.header()` first builds a full fetch Headers
 * object from all raw headers. Under `app.request()` (no socket) it falls back to Hono.
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The request's query parameters, parsed once per request (Hono parses the URL on every call). */
export function queryOf(c: Context<AppEnv>): Readonly<Record<string, string>> {
  let query = c.get('query');
  if (query === undefined) {
    query = c.req.query();
    c.set('query', query);
  }
  return query;
}
