import { open } from 'node:fs/promises';
import { formatTelemetryLine, type TelemetryEvent } from '@eventkit/core/telemetry';

const FLUSH_CHARS = 1024 * 1024;

export interface JsonlSink {
  readonly rows: number;
  write(event: TelemetryEvent): Promise<void> | undefined;
  close(): Promise<void>;
}

/**
 * Valid events as JSONL for DuckDB to load: written with `formatTelemetryLine`, so DuckDB reads
 * one layout whatever the source (ours, or the Python Event Kit's field names).
 */
export async function createJsonlSink(file: string): Promise<JsonlSink> {
  const handle = await open(file, 'w');
  let pending: string[] = [];
  let chars = 0;
  let rows = 0;
  const flush = async () => {
    const text = pending.join('');
    pending = [];
    chars = 0;
    await handle.write(text);
  };
  return {
    get rows() {
      return rows;
    },
    write(event) {
      const line = formatTelemetryLine(event);
      pending.push(line);
      chars += line.length;
      rows++;
      return chars >= FLUSH_CHARS ? flush() : undefined;
    },
    async close() {
      if (pending.length > 0) await flush();
      await handle.close();
    },
  };
}
