import type { LoadedManifest, Session } from '@eventkit/core';
import {
  createGraphClient,
  EventKitError,
  graphConfigFromEnv,
  graphWindow,
  loadSessions,
} from '@eventkit/core';
import type { CliContext } from './context.js';
import type { AgentFlags } from './offline-agent.js';
import type { SessionSource } from './session-sources.js';

export type { SessionSource } from './session-sources.js';

/**
 * Where the offline agent commands get their sessions: the manifest (plus its external sessions
 * file when enabled), or a Microsoft Graph calendar through core's client, configured by the same
 * GRAPH_* variables as the server (`--user`, `--start`, `--end` pick the calendar and window).
 */
export async function loadSessionsFrom(
  source: SessionSource,
  loaded: LoadedManifest,
  ctx: CliContext,
  graph: Pick<AgentFlags, 'user' | 'start' | 'end'> = {},
): Promise<Session[]> {
  if (source === 'manifest') {
    // A missing external sessions file is not fatal (as in the agent), but the operator should know.
    return loadSessions(loaded, {
      onWarning: (message) => ctx.stderr.write(`eventkit: WARNING: ${message}\n`),
    });
  }
  const config = graphConfigFromEnv(ctx.env);
  if (!config) {
    throw new EventKitError(
      'INVALID_CONFIG',
      '--source graph needs GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET (and GRAPH_USER_ID or --user); see eventkit recommend --help',
    );
  }
  const client = createGraphClient(config, {
    fetch: ctx.fetch,
    now: ctx.now,
    logger: { warning: (message) => ctx.stderr.write(`eventkit: WARNING: ${message}\n`) },
  });
  const window = graphWindow({ start: graph.start, end: graph.end, now: ctx.now() });
  return client.listSessions({ ...window, userId: graph.user });
}
