import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readTelemetry, type TelemetryInput } from '@eventkit/core/analysis';
import { EventKitError, type MalformedLine } from '@eventkit/core/telemetry';
import {
  type ArchiveManifest,
  findSource,
  MANIFEST_NAME,
  readArchiveManifest,
} from '../archive/archive-manifest.js';
import { NO_ROWS, openDuckdb, rowsFromJsonl, rowsFromParquet } from '../archive/duckdb.js';
import { createJsonlSink } from '../archive/jsonl-sink.js';
import {
  formatCsv,
  formatJsonLines,
  formatTable,
  type QueryResult,
} from '../archive/result-format.js';
import { readSourceHead, scanSource } from '../archive/source-lines.js';
import type { CliContext } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { displayPath, resolveInputs } from '../input-files.js';

export interface SqlFlags {
  archive?: string;
  json?: boolean;
  csv?: boolean;
  rotated: boolean;
  manifest?: string;
}

/**
 * `eventkit sql`: a query over the table `telemetry`, made of the archive's Parquet files and the
 * lines of the live files that the archive does not hold yet.
 */
export async function runSql(
  ctx: CliContext,
  query: string,
  files: string[],
  flags: SqlFlags,
): Promise<number> {
  if (flags.json && flags.csv) throw new UsageError('sql: choose one of --json and --csv');
  const archiveDir = flags.archive === undefined ? undefined : path.resolve(ctx.cwd, flags.archive);
  const manifest = archiveDir === undefined ? undefined : await openArchive(archiveDir);
  const inputs =
    files.length > 0 || archiveDir === undefined ? await resolveInputs(files, ctx, flags) : [];
  const temp = await mkdtemp(path.join(tmpdir(), 'eventkit-sql-'));
  try {
    const live = path.join(temp, 'live.jsonl');
    const rows = await stageLiveRows(ctx, inputs, manifest, live);
    const parts: string[] = [];
    if (archiveDir && manifest && manifest.files.length > 0) {
      parts.push(rowsFromParquet(manifest.files.map((file) => path.join(archiveDir, file.path))));
    }
    if (rows > 0) parts.push(rowsFromJsonl(live));
    const db = await openDuckdb(path.join(temp, 'duckdb'));
    try {
      await db.connection
        .run(`CREATE VIEW telemetry AS ${parts.length > 0 ? parts.join('\nUNION ALL\n') : NO_ROWS}`)
        .catch((error: unknown) => {
          throw unreadableArchive(archiveDir ?? temp, error);
        });
      const result = await runQuery(db.connection, query, archiveDir);
      const format = flags.json ? formatJsonLines : flags.csv ? formatCsv : formatTable;
      ctx.stdout.write(format(result));
    } finally {
      db.close();
    }
    return EXIT.ok;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

async function openArchive(dir: string): Promise<ArchiveManifest> {
  try {
    await access(path.join(dir, MANIFEST_NAME));
  } catch {
    throw new EventKitError(
      'UNREADABLE_INPUT',
      `${dir}: no eventkit archive here (no ${MANIFEST_NAME}); create it with eventkit archive --out ${dir}`,
    );
  }
  return readArchiveManifest(dir);
}

/**
 * The live files' valid events that the archive does not hold, as JSONL; their count. Standard
 * input has no place in the archive's records: all of it is read.
 */
async function stageLiveRows(
  ctx: CliContext,
  inputs: TelemetryInput[],
  manifest: ArchiveManifest | undefined,
  target: string,
): Promise<number> {
  const sink = await createJsonlSink(target);
  let malformed = 0;
  let first: MalformedLine | undefined;
  try {
    for (const file of inputs) {
      if (typeof file !== 'string') {
        const stream = readTelemetry(file, {
          onMalformed: (line) => {
            first ??= line;
          },
        });
        for await (const event of stream) await sink.write(event);
        malformed += stream.stats.malformed;
        continue;
      }
      const { gzip, head } = await readSourceHead(file);
      if (head.length === 0) continue;
      const archived = manifest && findSource(manifest, head)?.source;
      if (archived?.complete) continue;
      const scan = await scanSource(file, {
        gzip,
        skipBytes: archived?.bytes ?? 0,
        skipLines: archived?.lines ?? 0,
        includeUnterminated: true,
        onEvent: (event) => sink.write(event),
        onMalformed: (line) => {
          first ??= line;
        },
      });
      malformed += scan.malformed;
    }
  } finally {
    await sink.close();
  }
  if (malformed > 0 && first) {
    ctx.stderr.write(
      `eventkit: skipped ${malformed} malformed line${malformed === 1 ? '' : 's'} (first at ${displayPath(first.file, ctx.cwd)}:${first.line}: ${first.reason})\n`,
    );
  }
  return sink.rows;
}

type Connection = Awaited<ReturnType<typeof openDuckdb>>['connection'];

/** The user's query; DuckDB's complaint about it is a usage error, on one line. */
async function runQuery(
  connection: Connection,
  query: string,
  archiveDir: string | undefined,
): Promise<QueryResult> {
  try {
    const reader = await connection.runAndReadAll(query);
    return {
      columns: reader.columnNames(),
      types: reader.columnTypes().map((type) => type.alias ?? type.toString()),
      rows: reader.getRowsJson(),
    };
  } catch (error) {
    const message = firstLine(error);
    // A Parquet file the manifest lists went missing or is damaged: the input, not the query.
    if (message.startsWith('IO Error') || message.startsWith('Invalid Input Error: No magic')) {
      throw unreadableArchive(archiveDir, error);
    }
    throw new UsageError(
      `sql: ${message} (the table is telemetry: ts, action, success, latency_ms, error, trace_id, instance, payload)`,
    );
  }
}

/** DuckDB's first line says what is wrong; the rest repeats the query with a caret. */
function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

function unreadableArchive(where: string | undefined, error: unknown): EventKitError {
  return new EventKitError(
    'UNREADABLE_INPUT',
    `${where ?? 'telemetry'}: cannot read the archive: ${firstLine(error)} (restore the Parquet files its manifest lists)`,
    { cause: error },
  );
}
