import { readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * The telemetry file of worker `worker` (1-based) of an agent run with several workers: the
 * configured file with `-w<worker>` before its extension, beside it, so no two processes ever
 * append to or rotate the same file. Rotated archives keep their own names
 * (`telemetry-w2.jsonl.<stamp>.gz`), which are never mistaken for another worker's file.
 *
 * @example
 * workerTelemetryFile('/var/lib/eventkit/telemetry.jsonl', 2); // '/var/lib/eventkit/telemetry-w2.jsonl'
 */
export function workerTelemetryFile(file: string, worker: number): string {
  if (!Number.isInteger(worker) || worker < 1) {
    throw new RangeError(`worker must be a positive integer, got ${worker}`);
  }
  const extension = path.extname(file);
  return `${file.slice(0, file.length - extension.length)}-w${worker}${extension}`;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Every instance's live telemetry file on this host for the configured `file`: the file itself
 * when it exists, then each worker's (`workerTelemetryFile`) in worker order. Archives are not
 * listed (`listRotatedFiles` finds those of each file). When none exists, `[file]`, so the
 * caller reports the configured name as missing.
 *
 * @example
 * await instanceTelemetryFiles('telemetry.jsonl'); // ['telemetry.jsonl', 'telemetry-w1.jsonl', 'telemetry-w2.jsonl']
 */
export async function instanceTelemetryFiles(file: string): Promise<string[]> {
  const dir = path.dirname(file);
  const base = path.basename(file);
  const extension = path.extname(base);
  const worker = new RegExp(
    `^${escapeRegExp(base.slice(0, base.length - extension.length))}-w([1-9]\\d{0,5})${escapeRegExp(extension)}$`,
  );
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [file];
  }
  const workers = names
    .map((name) => ({ name, match: worker.exec(name) }))
    .filter((entry) => entry.match !== null)
    .sort((a, b) => Number(a.match?.[1]) - Number(b.match?.[1]))
    .map((entry) => path.join(dir, entry.name));
  const found = names.includes(base) ? [file, ...workers] : workers;
  return found.length > 0 ? found : [file];
}
