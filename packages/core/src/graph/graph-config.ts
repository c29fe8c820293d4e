import { EventKitError } from '../errors.js';

export const DEFAULT_GRAPH_AUTHORITY_URL = 'https://login.microsoftonline.com';
export const DEFAULT_GRAPH_API_URL = 'https://graph.microsoft.com';

/** Where and as whom the Graph source signs in (OAuth2 client credentials, application permissions). */
export interface GraphConfig {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** The calendar to read when a request names no user. */
  userId?: string;
  /** Origin of the token endpoint, without a trailing slash. */
  authorityUrl: string;
  /** Origin of the Graph API, without a trailing slash. */
  apiUrl: string;
}

const REQUIRED = ['GRAPH_TENANT_ID', 'GRAPH_CLIENT_ID', 'GRAPH_CLIENT_SECRET'] as const;
const OPTIONAL = ['GRAPH_USER_ID', 'GRAPH_AUTHORITY_URL', 'GRAPH_API_URL'] as const;

/**
 * Reads the Graph source's settings from the environment. Returns `undefined` when no `GRAPH_*`
 * credential is set (the Graph source is off), and throws `INVALID_CONFIG` naming the missing
 * variables when only some are.
 *
 * @example
 * const config = graphConfigFromEnv(process.env);
 * const graph = config ? createGraphClient(config, { logger }) : undefined;
 */
export function graphConfigFromEnv(
  env: Record<string, string | undefined>,
): GraphConfig | undefined {
  const value = (name: string) => {
    const raw = env[name]?.trim();
    return raw ? raw : undefined;
  };
  const missing = REQUIRED.filter((name) => value(name) === undefined);
  if (missing.length === REQUIRED.length) {
    const stray = OPTIONAL.filter((name) => value(name) !== undefined);
    if (stray.length === 0) return undefined;
    throw new EventKitError(
      'INVALID_CONFIG',
      `Graph source: ${stray.join(', ')} set but ${REQUIRED.join(', ')} missing; set them all, or unset ${stray.join(', ')} to turn the Graph source off`,
    );
  }
  if (missing.length > 0) {
    throw new EventKitError(
      'INVALID_CONFIG',
      `Graph source: ${missing.join(', ')} missing; set ${REQUIRED.join(', ')} together (GRAPH_USER_ID optional), or unset them all to turn the Graph source off`,
    );
  }
  return {
    tenantId: value('GRAPH_TENANT_ID') as string,
    clientId: value('GRAPH_CLIENT_ID') as string,
    clientSecret: value('GRAPH_CLIENT_SECRET') as string,
    ...(value('GRAPH_USER_ID') ? { userId: value('GRAPH_USER_ID') } : {}),
    authorityUrl: originOf(
      'GRAPH_AUTHORITY_URL',
      value('GRAPH_AUTHORITY_URL') ?? DEFAULT_GRAPH_AUTHORITY_URL,
    ),
    apiUrl: originOf('GRAPH_API_URL', value('GRAPH_API_URL') ?? DEFAULT_GRAPH_API_URL),
  };
}

function originOf(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EventKitError('INVALID_CONFIG', `${name} must be an http(s) URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new EventKitError(
      'INVALID_CONFIG',
      `${name} must be an http(s) URL, got ${url.protocol}`,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new EventKitError(
      'INVALID_CONFIG',
      `${name} must be a plain base URL without credentials, query or fragment`,
    );
  }
  return url.href.replace(/\/+$/, '');
}
