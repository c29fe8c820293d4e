import {
  createGraphClient,
  createSessionSource,
  graphConfigFromEnv,
  type LoadedSessions,
} from '@eventkit/core';
import type { LoadedManifest } from '@eventkit/core/manifest';
import type { CliContext } from './context.js';
import type { AgentFlags } from './offline-agent.js';
import type { SessionSource } from './session-sources.js';

export type { SessionSource } from './session-sources.js';

/**
 * Where the offline agent commands get their sessions: core's session source, as the server uses
 * it, with the Graph client configured by the same GRAPH_* variables (`--user`, `--start`, `--end`
 * pick the calendar and window).
 */
export async function loadSessionsFrom(
  source: SessionSource,
  loaded: LoadedManifest,
  ctx: CliContext,
  graph: Pick<AgentFlags, 'user' | 'start' | 'end'> = {},
): Promise<LoadedSessions> {
  // A missing external sessions file is not fatal (as in the agent), but the operator should know.
  const warn = (message: string) => ctx.stderr.write(`eventkit: WARNING: ${message}\n`);
  const config = source === 'graph' ? graphConfigFromEnv(ctx.env) : undefined;
  const client =
    config &&
    createGraphClient(config, { fetch: ctx.fetch, now: ctx.now, logger: { warning: warn } });
  return createSessionSource(loaded, { graph: client, onWarning: warn, now: ctx.now }).load({
    source,
    userId: graph.user,
    start: graph.start,
    end: graph.end,
  });
}
