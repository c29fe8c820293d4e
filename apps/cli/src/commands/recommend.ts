import {
  actionPayload,
  parseInterests,
  type Recommendation,
  recommendSessions,
} from '@eventkit/core';
import type { Session } from '@eventkit/core/manifest';
import type { CliContext } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { type AgentFlags, createActionRecorder, loadAgentManifest } from '../offline-agent.js';
import { loadSessionsFrom, type SessionSource } from '../session-source.js';

export interface RecommendFlags extends AgentFlags {
  interests: string;
  top?: number;
  source: SessionSource;
  json?: boolean;
}

/** `eventkit recommend`: the agent's /recommend offline, with the same telemetry line. */
export async function runRecommend(ctx: CliContext, flags: RecommendFlags): Promise<number> {
  const interests = requireInterests(flags.interests);
  const loaded = await loadAgentManifest(ctx, flags);
  const recorder = createActionRecorder(ctx, loaded, flags);
  const top = flags.top ?? loaded.manifest.recommend.max_sessions_default;
  try {
    const { rec } = await recorder.record(
      'recommend',
      async () => {
        const { sessions, source } = await loadSessionsFrom(flags.source, loaded, ctx, flags);
        const ranked = recommendSessions(sessions, interests, {
          weights: loaded.manifest.weights,
          top,
        });
        return { rec: ranked, source };
      },
      (result) => actionPayload('recommend', { interests, top, source: flags.source, ...result }),
    );
    ctx.stdout.write(
      flags.json
        ? `${JSON.stringify({ ...rec, source: flags.source }, null, 2)}\n`
        : renderRecommendation(rec, interests),
    );
  } finally {
    await recorder.close();
  }
  return EXIT.ok;
}

export function requireInterests(raw: string): string[] {
  const interests = parseInterests(raw);
  if (interests.length === 0) {
    throw new UsageError(
      '--interests is empty; give topics separated by , or ; such as "agents, ai safety"',
    );
  }
  return interests;
}

function renderRecommendation(rec: Recommendation, interests: string[]): string {
  const lines = [`Top ${rec.sessions.length} sessions for: ${interests.join(', ')}`];
  rec.sessions.forEach((session: Session, i) => {
    const scoring = rec.scoring[i];
    lines.push(
      `${String(i + 1).padStart(2)}. ${session.title}`,
      `    ${describeSlot(session)}  score ${scoring?.score ?? '?'} (interest ${scoring?.contributions.interest_match}, popularity ${scoring?.contributions.popularity}, diversity ${scoring?.contributions.diversity})`,
    );
  });
  lines.push(`Conflicts: ${rec.conflicts}`);
  return `${lines.join('\n')}\n`;
}

export function describeSlot(session: Session): string {
  const day = session.date ? `${session.date} ` : '';
  const where = session.location ? `  ${session.location}` : '';
  return `${day}${session.start}-${session.end}${where}`;
}
