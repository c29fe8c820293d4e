import { z } from 'zod';
import {
  ACTION_MAX_LENGTH,
  INSTANCE_MAX_LENGTH,
  MAX_PAYLOAD_DEPTH,
  nestedDeeperThan,
  TRACE_ID_MAX_LENGTH,
} from './event-limits.js';

const payloadSchema = z
  .record(z.string(), z.unknown())
  .refine((payload) => !nestedDeeperThan(payload, MAX_PAYLOAD_DEPTH), {
    message: `is nested deeper than ${MAX_PAYLOAD_DEPTH} levels`,
  });

/**
 * One telemetry line, as DESIGN.md defines it. The TypeScript types are derived from this
 * schema; nothing else in Event Kit declares the shape again. `parseTelemetryLine` applies the
 * same rules without loading zod (~14 MB of resident memory), and a property test checks that it
 * gives exactly this schema's result — event or first issue — for any JSON object.
 */
export const telemetryEventSchema = z.object({
  ts: z.number().finite(),
  action: z.string().min(1).max(ACTION_MAX_LENGTH),
  success: z.boolean(),
  latency_ms: z.number().finite().nonnegative(),
  payload: payloadSchema.default({}),
  error: z.string().nullable().default(null),
  trace_id: z.string().max(TRACE_ID_MAX_LENGTH).optional(),
  instance: z.string().max(INSTANCE_MAX_LENGTH).optional(),
});
