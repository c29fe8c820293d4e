import { actionPayload, EventKitError, explainSession } from '@eventkit/core';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { type AgentFlags, createActionRecorder, loadAgentManifest } from '../offline-agent.js';
import { loadSessionsFrom, type SessionSource } from '../session-source.js';
import { requireInterests } from './recommend.js';

export interface ExplainFlags extends AgentFlags {
  interests: string;
  source: SessionSource;
  json?: boolean;
}

/** `eventkit explain TITLE`: why a session scores what it scores; exit 1 for an unknown title. */
export async function runExplain(
  ctx: CliContext,
  title: string,
  flags: ExplainFlags,
): Promise<number> {
  const interests = requireInterests(flags.interests);
  const loaded = await loadAgentManifest(ctx, flags);
  const recorder = createActionRecorder(ctx, loaded, flags);
  try {
    const { explanation } = await recorder.record(
      'explain',
      async () => {
        const { sessions, source } = await loadSessionsFrom(flags.source, loaded, ctx, flags);
        const found = explainSession(sessions, title, interests, loaded.manifest.weights);
        if (!found) {
          throw new EventKitError(
            'NOT_FOUND',
            `no session titled "${title}" in ${loaded.path}; titles match case-insensitively, see eventkit recommend --top 50`,
          );
        }
        return { explanation: found, source };
      },
      (result) => actionPayload('explain', { interests, source: flags.source, ...result }),
    );
    if (flags.json) {
      ctx.stdout.write(`${JSON.stringify(explanation, null, 2)}\n`);
    } else {
      const { contributions: c } = explanation;
      ctx.stdout.write(
        [
          explanation.title,
          `  score: ${explanation.score}`,
          `  interest_match: ${c.interest_match}  (matched tags: ${explanation.matched_tags.join(', ') || 'none'})`,
          `  popularity: ${c.popularity}`,
          `  diversity: ${c.diversity}`,
          '',
        ].join('\n'),
      );
    }
  } finally {
    await recorder.close();
  }
  return EXIT.ok;
}
