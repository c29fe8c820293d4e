import { parentPort } from 'node:worker_threads';
import { isEventKitError } from '../errors.js';
import { type RangeTask, type SummaryFilter, summarizeRange } from './summary-range.js';

/** A message from summarizeTelemetry: one range to summarise. */
export interface WorkerRequest {
  id: number;
  task: RangeTask;
  filter: SummaryFilter;
}

// Worker thread entry of summarizeTelemetry: summarises the ranges it is sent, one at a time.
parentPort?.on('message', (request: WorkerRequest) => {
  summarizeRange(request.task, request.filter, { syncReads: true }).then(
    (result) => parentPort?.postMessage({ id: request.id, ok: true, result }),
    (error: unknown) =>
      parentPort?.postMessage({
        id: request.id,
        ok: false,
        code: isEventKitError(error) ? error.code : undefined,
        message: error instanceof Error ? error.message : String(error),
      }),
  );
});
