import path from 'node:path';
import { actionPayload, renderItinerary, writeExportFile } from '@eventkit/core';
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
 * under a generated name (never from user input), reported in `X-Export-File`.
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
    if (deps.exportTarget.enabled) {
      const file = await writeExportFile(deps.exportTarget.outputDir, fileName, body);
      c.header('X-Export-File', path.basename(file));
      saved = true;
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
