import type { Json } from '@duckdb/node-api';

export interface QueryResult {
  columns: string[];
  /** DuckDB's type names (`BIGINT`, `JSON`, …), one per column. */
  types: string[];
  rows: Json[][];
}

const INTEGER_TYPES = new Set([
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'HUGEINT',
  'UTINYINT',
  'USMALLINT',
  'UINTEGER',
  'UBIGINT',
  'UHUGEINT',
]);

/**
 * A cell as a JSON value: counts as numbers (DuckDB hands 64-bit integers over as strings; those
 * beyond 2^53 stay strings so that no digit is lost), decimals as numbers, JSON columns parsed.
 */
function jsonCell(value: Json, type: string): Json {
  if (typeof value !== 'string') return value;
  if (INTEGER_TYPES.has(type)) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  }
  if (type.startsWith('DECIMAL')) return Number(value);
  if (type === 'JSON') {
    try {
      return JSON.parse(value) as Json;
    } catch {
      return value;
    }
  }
  return value;
}

/** One JSON object per row, per line (JSON Lines, as `eventkit query` prints events). */
export function formatJsonLines({ columns, types, rows }: QueryResult): string {
  return rows
    .map((row) => {
      const object: Record<string, Json> = {};
      columns.forEach((column, i) => {
        object[column] = jsonCell(row[i] as Json, types[i] as string);
      });
      return `${JSON.stringify(object)}\n`;
    })
    .join('');
}

function textCell(value: Json): string {
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** RFC 4180: a header row, fields quoted when they hold a comma, quote or line break. */
export function formatCsv({ columns, rows }: QueryResult): string {
  const field = (text: string) =>
    /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  return [columns, ...rows.map((row) => row.map(textCell))]
    .map((cells) => `${cells.map(field).join(',')}\r\n`)
    .join('');
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|U\w*INT|FLOAT|DOUBLE|DECIMAL)/;

/** Columns padded to their widest cell, numbers right-aligned, NULL spelled out. */
export function formatTable({ columns, types, rows }: QueryResult): string {
  const cells = rows.map((row) =>
    row.map((value) => (value === null ? 'NULL' : textCell(value).replace(/\n/g, '\\n'))),
  );
  const widths = columns.map((column, i) =>
    Math.max(column.length, ...cells.map((row) => (row[i] as string).length)),
  );
  const right = types.map((type) => NUMERIC.test(type));
  const line = (row: string[]) =>
    `${row
      .map((cell, i) =>
        right[i] ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number),
      )
      .join('  ')
      .trimEnd()}\n`;
  const rule = widths.map((width) => '-'.repeat(width));
  const count = `(${rows.length} row${rows.length === 1 ? '' : 's'})\n`;
  return [line(columns), line(rule), ...cells.map(line), count].join('');
}
