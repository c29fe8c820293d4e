import type { LoadedManifest, Session } from '@eventkit/core';
import { EventKitError, loadSessions } from '@eventkit/core';
import type { CliContext } from './context.js';

export const SESSION_SOURCES = ['manifest', 'graph'] as const;
export type SessionSource = (typeof SESSION_SOURCES)[number];

/**
 * Where the offline agent commands get their sessions: the manifest (plus its external sessions
 * file when enabled), or Microsoft Graph. This is the one seam for `--source graph`: it is to be
 * wired to core's `createGraphClient(graphConfigFromEnv(ctx.env), …).listSessions(…)`.
 */
export async function loadSessionsFrom(
  source: SessionSource,
  loaded: LoadedManifest,
  ctx: CliContext,
): Promise<Session[]> {
  if (source === 'manifest') {
    return loadSessions(loaded, {
      onWarning: (message) => ctx.stderr.write(`eventkit: ${message}\n`),
    });
  }
  throw new EventKitError(
    'INVALID_CONFIG',
    `--source graph: this build of eventkit cannot read Microsoft Graph yet (GRAPH_TENANT_ID is ${ctx.env.GRAPH_TENANT_ID ? 'set' : 'unset'}); use --source manifest`,
  );
}
