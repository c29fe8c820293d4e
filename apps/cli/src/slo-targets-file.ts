import { EventKitError } from '@eventkit/core/telemetry';
import { z } from 'zod';
import type { SloTargets } from './slo.js';

// Its own module so that only `slo --targets FILE` loads zod.
const sloTargetsSchema = z
  .object({
    success_rate_min: z.number().min(0).max(100).optional(),
    error_rate_max: z.number().min(0).max(100).optional(),
    latency_p50_max_ms: z.number().positive().optional(),
    latency_p95_max_ms: z.number().positive().optional(),
    latency_p99_max_ms: z.number().positive().optional(),
    requests_per_second_min: z.number().min(0).optional(),
  })
  .strict() satisfies z.ZodType<SloTargets>;

/**
 * Validates a targets file's JSON; throws EventKitError('INVALID_INPUT') naming the field.
 *
 * @example
 * const targets = parseSloTargets(JSON.parse(await readFile('slo.json', 'utf8')), 'slo.json');
 */
export function parseSloTargets(json: unknown, source = 'targets'): SloTargets {
  const result = sloTargetsSchema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || '(top level)';
  throw new EventKitError(
    'INVALID_INPUT',
    `${source}: ${field}: ${issue?.message ?? 'invalid'} — expected an object with any of ${Object.keys(sloTargetsSchema.shape).join(', ')} (numbers).`,
  );
}
