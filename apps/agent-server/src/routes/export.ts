import path from 'node:path';
import { actionPayload, renderItinerary, saveExport } from '@eventkit/core';
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../app-types.js';
import { readFormat } from '../query-validation.js';
import type { RecommendationCache } from '../recommendation-cache.js';
import { queryOf } from '../request-input.js';
import { inSpan } from '../tracing.js';
import { readRecommendInput, runRecommendation } from './recommend-input.js';

/**
 * GET /export?interests=…&format=markdown|ics → the itinerary as text/markdown or text/calendar.
 * With export-to-disk on (`features.export.enabled`) a copy is also written inside `output_dir`
 * under a name hashed from its content (an identical itinerary reuses its file), reported in
 * `X-Export-File`, and retention then removes the oldest copies. When the disk is low the answer
 * is the same but no copy is written: a WARNING says so and telemetry says `saved: false`.
 */
export function exportRoutes(deps: AppDeps & { recommendations: RecommendationCache }) {
  const now = deps.now ?? (() => new Date());
  return new Hono<AppEnv>().get('/', async (c) => {
    const format = readFormat(queryOf(c).format);
    const input = await readRecommendInput(c, deps);
    const { rec, source, graphCache } = await runRecommendation(c, deps, input);
    const { manifest } = deps.loaded;
    const { body, contentType, fileName } = inSpan(
      deps.tracing.tracer,
      c.get('requestSpan').context,
      'render_itinerary',
      () =>
        renderItinerary(rec, {
          format,
          eventName: manifest.event?.name,
          timezone: manifest.event?.timezone,
          interests: input.interests,
          now,
        }),
    );
    let saved = false;
    const target = deps.exportTarget;
    if (target.enabled) {
      const copy = await saveExport(target.outputDir, fileName, body, {
        retention: target.retention,
        now,
        statfs: target.statfs,
      });
      if (copy.saved) {
        c.header('X-Export-File', path.basename(copy.file));
        saved = true;
      } else {
        deps.logger.warning(`[${c.get('trace').traceId}] Export copy not written: ${copy.reason}`);
      }
    }
    const { interests, top, profile } = input;
    c.set(
      'telemetryPayload',
      actionPayload('export', { interests, top, profile, source, rec, format, saved, graphCache }),
    );
    return c.body(body, 200, {
      'Content-Type': contentType,
      'Content-Disposition': `attachment; filename="${fileName}"`,
    });
  });
}
