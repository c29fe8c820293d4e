import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  EventKitError,
  type ExportFormat,
  exportFileName,
  exportSettings,
  recommendSessions,
  renderItineraryIcs,
  renderItineraryMarkdown,
  writeExportFile,
} from '@eventkit/core';
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
    const content = await recorder.record(
      'export',
      async () => {
        const sessions = await loadSessionsFrom(flags.source, loaded, ctx, flags);
        const rec = recommendSessions(sessions, interests, {
          weights: loaded.manifest.weights,
          top,
        });
        const options = {
          eventName: loaded.manifest.event?.name,
          interests,
          timezone: loaded.manifest.event?.timezone,
          now: ctx.now,
        };
        return flags.format === 'ics'
          ? renderItineraryIcs(rec, options)
          : renderItineraryMarkdown(rec, options);
      },
      () => ({
        interests_count: interests.length,
        top,
        format: flags.format,
        source: flags.source,
      }),
    );
    if (flags.save) {
      const settings = exportSettings(loaded, ctx.cwd);
      if (!settings.enabled) {
        throw new EventKitError(
          'INVALID_CONFIG',
          `--save: features.export.enabled is false in ${loaded.path}; enable it, or use --out FILE`,
        );
      }
      const name = exportFileName({
        format: flags.format,
        key: interests.join(','),
        now: ctx.now(),
      });
      const written = await writeExportFile(settings.outputDir, name, content);
      ctx.stdout.write(`${displayPath(written, ctx.cwd)}\n`);
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
