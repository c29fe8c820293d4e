import { describe, expect, it } from 'vitest';
import { EventKitError } from '../errors.js';
import { graphConfigFromEnv } from './graph-config.js';

const FULL = {
  GRAPH_TENANT_ID: 'contoso',
  GRAPH_CLIENT_ID: 'client',
  GRAPH_CLIENT_SECRET: 's3cret-value',
  GRAPH_USER_ID: 'ada@contoso.test',
};

function configError(env: Record<string, string>): EventKitError {
  try {
    graphConfigFromEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(EventKitError);
    return error as EventKitError;
  }
  throw new Error('expected graphConfigFromEnv to throw');
}

describe('graphConfigFromEnv', () => {
  it('returns undefined when Graph is not configured (blank values count as unset)', () => {
    expect(graphConfigFromEnv({})).toBeUndefined();
    expect(graphConfigFromEnv({ GRAPH_TENANT_ID: '  ', PATH: '/bin' })).toBeUndefined();
  });

  it('reads the credentials with the public-cloud URLs as defaults', () => {
    expect(graphConfigFromEnv(FULL)).toEqual({
      tenantId: 'contoso',
      clientId: 'client',
      clientSecret: 's3cret-value',
      userId: 'ada@contoso.test',
      authorityUrl: 'https://login.microsoftonline.com',
      apiUrl: 'https://graph.microsoft.com',
    });
  });

  it('takes other clouds and local fakes, without a trailing slash, and no default user', () => {
    const { GRAPH_USER_ID: _, ...withoutUser } = FULL;
    const config = graphConfigFromEnv({
      ...withoutUser,
      GRAPH_AUTHORITY_URL: 'https://login.microsoftonline.us/',
      GRAPH_API_URL: 'http://127.0.0.1:8123',
    });
    expect(config).toMatchObject({
      authorityUrl: 'https://login.microsoftonline.us',
      apiUrl: 'http://127.0.0.1:8123',
    });
    expect(config).not.toHaveProperty('userId');
  });

  it.each([
    [{ GRAPH_TENANT_ID: 't' }, 'GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET missing'],
    [{ GRAPH_TENANT_ID: 't', GRAPH_CLIENT_ID: 'c' }, 'GRAPH_CLIENT_SECRET missing'],
    [{ GRAPH_USER_ID: 'ada' }, 'GRAPH_USER_ID set but GRAPH_TENANT_ID'],
    [{ ...FULL, GRAPH_API_URL: 'graph.microsoft.com' }, 'GRAPH_API_URL must be an http(s) URL'],
    [{ ...FULL, GRAPH_API_URL: 'ftp://graph' }, 'GRAPH_API_URL must be an http(s) URL, got ftp:'],
    [{ ...FULL, GRAPH_AUTHORITY_URL: 'https://u:p@login' }, 'GRAPH_AUTHORITY_URL must be a plain'],
  ])('rejects a partial or bad configuration %#', (env, message) => {
    const error = configError(env);
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toContain(message);
  });

  it('never repeats the client secret in its errors', () => {
    const error = configError({ GRAPH_CLIENT_SECRET: 's3cret-value', GRAPH_CLIENT_ID: 'c' });
    expect(error.message).toContain('GRAPH_TENANT_ID missing');
    expect(error.message).not.toContain('s3cret-value');
  });
});
