import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  actionPayload,
  EventKitError,
  type ExportFormat,
  type RenderedItinerary,
  recommendSessions,
  renderItinerary,
  saveExport,
} from '@eventkit/core';
import { type LoadedManifest, manifestSettings } from '@eventkit/core/manifest';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { displayPath } from '../input-files.js';
import { type AgentFlags, createActionRecorder, loadAgentManifest } from '../offline-agent.js';
import { loadSessionsFrom, type SessionSource } from '../session-source.js';
import { requireInterests } from './recommend.js';

export interface ExportFlags extends AgentFlags {
  interests: string;
  top?: number;
  format: ExportFormat;
  out?: string;
  save?: boolean;
  source: SessionSource;
}

/**
 * `eventkit export`: the itinerary (Markdown or iCalendar) for some interests, offline. Printed to
 * stdout, written to --out, or with --save into the manifest's export directory under a safe name.
 */
export async function runExport(ctx: CliContext, flags: ExportFlags): Promise<number> {
  const interests = requireInterests(flags.interests);
  const loaded = await loadAgentManifest(ctx, flags);
  const recorder = createActionRecorder(ctx, loaded, flags);
  const top = flags.top ?? loaded.manifest.recommend.max_sessions_default;
  try {
    // Saving is part of the action, as in the agent: a copy that cannot be written fails it.
    const { body: content, saved } = await recorder.record(
      'export',
      async () => {
        const { sessions, source } = await loadSessionsFrom(flags.source, loaded, ctx, flags);
        const rec = recommendSessions(sessions, interests, {
          weights: loaded.manifest.weights,
          top,
        });
        const itinerary = renderItinerary(rec, {
          format: flags.format,
          eventName: loaded.manifest.event?.name,
          interests,
          timezone: loaded.manifest.event?.timezone,
          now: ctx.now,
        });
        const saved = flags.save ? await saveCopy(loaded, ctx, itinerary) : undefined;
        return { rec, source, body: itinerary.body, saved };
      },
      (result) =>
        actionPayload('export', {
          interests,
          top,
          source: flags.source,
          format: flags.format,
          ...(result && {
            rec: result.rec,
            source: result.source,
            saved: result.saved !== undefined,
          }),
        }),
    );
    if (saved) {
      ctx.stdout.write(`${displayPath(saved, ctx.cwd)}\n`);
    } else if (flags.out && flags.out !== '-') {
      const target = path.resolve(ctx.cwd, flags.out);
      await writeFile(target, content).catch((error: NodeJS.ErrnoException) => {
        throw new EventKitError(
          'WRITE_FAILED',
          `--out ${target}: cannot write it (${error.code}); check the directory exists and is writable`,
          {
            cause: error,
          },
        );
      });
      ctx.stderr.write(`eventkit: wrote ${displayPath(target, ctx.cwd)}\n`);
    } else {
      ctx.stdout.write(content);
    }
  } finally {
    await recorder.close();
  }
  return EXIT.ok;
}

/**
 * --save: a copy in the manifest's export directory, under a name made from the itinerary's
 * content (never from user input), within the manifest's export retention.
 */
async function saveCopy(
  loaded: LoadedManifest,
  ctx: CliContext,
  { body, fileName }: RenderedItinerary,
): Promise<string> {
  const settings = manifestSettings(loaded, ctx.cwd).export;
  if (!settings.enabled) {
    throw new EventKitError(
      'INVALID_CONFIG',
      `--save: features.export.enabled is false in ${loaded.path}; enable it, or use --out FILE`,
    );
  }
  // The agent's own saving, retention included, so the CLI's copies count against the same bound.
  const copy = await saveExport(settings.outputDir, fileName, body, {
    retention: settings.retention,
    now: ctx.now,
  });
  if (!copy.saved)
    throw new EventKitError('WRITE_FAILED', `--save: no copy written: ${copy.reason}`);
  return copy.file;
}
