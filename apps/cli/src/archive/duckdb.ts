import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/** The `telemetry` table's columns, as the archive's Parquet files hold them. */
export const TELEMETRY_COLUMNS = [
  'ts',
  'action',
  'success',
  'latency_ms',
  'error',
  'trace_id',
  'instance',
  'payload',
] as const;

export interface Duckdb {
  connection: DuckDBConnection;
  close(): void;
}

/**
 * Loaded only by `archive` and `sql`: DuckDB is the one heavy dependency of the CLI. What it
 * spills to disk goes under `tempDirectory` (by default an in-memory DuckDB would write a
 * `.tmp` directory into the working directory). `settings` are DuckDB's own (`memory_limit`, …).
 */
export async function openDuckdb(
  tempDirectory: string,
  settings: Record<string, string> = {},
): Promise<Duckdb> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance: DuckDBInstance = await DuckDBInstance.create(':memory:', {
    temp_directory: tempDirectory,
    // A day partition's rows go to its file every row group rather than every half million
    // rows, so memory does not grow with the days a run covers.
    partitioned_write_flush_threshold: '122880',
    ...settings,
  });
  const connection = await instance.connect();
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** A SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A timestamp from Unix seconds, kept to the microsecond (TIMESTAMP, UTC). */
const TS = 'make_timestamp(CAST(round(ts * 1000000) AS BIGINT))';

/**
 * The typed rows of a JSONL file of valid events as `formatTelemetryLine` wrote them (the CLI
 * validated every line before writing it there).
 */
export function rowsFromJsonl(file: string): string {
  return `SELECT ${TS} AS ts, action, success, latency_ms, error, trace_id, instance, payload
FROM read_json(${sqlString(file)}, format = 'newline_delimited',
  columns = {ts: 'DOUBLE', action: 'VARCHAR', success: 'BOOLEAN', latency_ms: 'DOUBLE',
    payload: 'JSON', error: 'VARCHAR', trace_id: 'VARCHAR', instance: 'VARCHAR'})`;
}

/** The rows of Parquet files written by `eventkit archive`. */
export function rowsFromParquet(files: readonly string[]): string {
  return `SELECT ts, action, success, latency_ms, error, trace_id, instance, payload::JSON AS payload
FROM read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = false)`;
}

/** No rows, with the table's types: the table when there is nothing to read. */
export const NO_ROWS = `SELECT NULL::TIMESTAMP AS ts, NULL::VARCHAR AS action, NULL::BOOLEAN AS success,
  NULL::DOUBLE AS latency_ms, NULL::VARCHAR AS error, NULL::VARCHAR AS trace_id,
  NULL::VARCHAR AS instance, NULL::JSON AS payload WHERE false`;
