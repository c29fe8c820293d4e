import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { TelemetryInput, TelemetrySource } from '@eventkit/core/analysis';
import { EventKitError, type MalformedLine } from '@eventkit/core/telemetry';
import {
  listStaged,
  lockArchiveDir,
  removeUnlisted,
  STAGING_PREFIX,
} from '../archive/archive-dir.js';
import {
  type ArchivedSource,
  type ArchiveManifest,
  findSource,
  readArchiveManifest,
  writeArchiveManifest,
} from '../archive/archive-manifest.js';
import { type Duckdb, openDuckdb, rowsFromJsonl, sqlString } from '../archive/duckdb.js';
import { createJsonlSink } from '../archive/jsonl-sink.js';
import {
  FINGERPRINT_BYTES,
  fingerprint,
  readSourceHead,
  scanSource,
} from '../archive/source-lines.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { displayPath, resolveInputs } from '../input-files.js';

// Conversion only streams rows into Parquet: a bounded buffer pool suffices, and DuckDB spills
// into the staging directory past it, so an archive run's memory does not follow its input.
const ARCHIVE_DUCKDB_SETTINGS = { memory_limit: '256MB' };

export interface ArchiveFlags {
  out: string;
  deleteArchived?: boolean;
  json?: boolean;
  rotated: boolean;
  manifest?: string;
}

export interface ArchiveReport {
  /** Input files that had lines not archived before. */
  files_read: number;
  rows: number;
  malformed: number;
  first_malformed: MalformedLine[];
  parquet_files: string[];
  deleted: string[];
}

/** Tests set it to kill the run between two renames, where a crash hurts most. */
const CRASH_HOOK = 'EVENTKIT_ARCHIVE_TEST_CRASH';

/**
 * `eventkit archive`: the lines not archived yet, as day-partitioned Parquet. Rows are staged,
 * written by DuckDB under a staging directory, counted back, renamed into place, and only then
 * recorded in the manifest: a run killed anywhere leaves either no trace the next run keeps or a
 * complete, recorded batch.
 */
export async function runArchive(
  ctx: CliContext,
  args: string[],
  flags: ArchiveFlags,
): Promise<number> {
  const out = path.resolve(ctx.cwd, flags.out);
  const inputs = await resolveInputs(args, ctx, flags);
  await mkdir(out, { recursive: true });
  const unlock = await lockArchiveDir(out);
  try {
    const manifest = await readArchiveManifest(out);
    await removeUnlisted(out, manifest);
    const report = await archiveInputs(ctx, out, inputs, manifest, flags);
    printReport(ctx, out, report, flags.json === true);
    return EXIT.ok;
  } finally {
    await unlock();
  }
}

async function archiveInputs(
  ctx: CliContext,
  out: string,
  inputs: TelemetryInput[],
  manifest: ArchiveManifest,
  flags: ArchiveFlags,
): Promise<ArchiveReport> {
  const run = `${ctx.now().toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
  const staging = path.join(out, `${STAGING_PREFIX}${run}`);
  await mkdir(staging);
  const report: ArchiveReport = {
    files_read: 0,
    rows: 0,
    malformed: 0,
    first_malformed: [],
    parquet_files: [],
    deleted: [],
  };
  const sink = await createJsonlSink(path.join(staging, 'rows.jsonl'));
  const sources = manifest.sources.map((source) => ({ ...source }));
  const fullyArchivedGzip: string[] = [];
  try {
    for (const input of inputs) {
      const stdin = typeof input === 'string' ? undefined : input;
      const file = typeof input === 'string' ? input : await spool(input, staging);
      // A stream is recorded under its name, recognised again by its first bytes like a file.
      const label = stdin?.name ?? file;
      const { gzip, head } = await readSourceHead(file);
      if (head.length === 0) continue;
      const found = findSource({ ...manifest, sources }, head);
      const before = found?.source;
      let complete = before?.complete === true && !stdin;
      if (!complete) {
        const scan = await scanSource(file, {
          gzip,
          skipBytes: before?.bytes ?? 0,
          skipLines: before?.lines ?? 0,
          // Standard input has ended: its last line is whole even without a newline.
          includeUnterminated: gzip || stdin !== undefined,
          onEvent: (event) => sink.write(event),
          onMalformed: (malformed) => {
            if (report.first_malformed.length < 5) {
              report.first_malformed.push({ ...malformed, file: label });
            }
          },
        });
        report.malformed += scan.malformed;
        report.rows += scan.rows;
        // More may follow the same first lines on a later standard input: never complete.
        complete = gzip && !scan.corrupt && !stdin;
        if (scan.lines > (before?.lines ?? 0) || (complete && before)) {
          report.files_read++;
          const fingerprintBytes = Math.min(FINGERPRINT_BYTES, scan.endBytes);
          const entry: ArchivedSource = {
            fingerprint: fingerprint(head, fingerprintBytes),
            fingerprint_bytes: fingerprintBytes,
            bytes: scan.endBytes,
            lines: scan.lines,
            rows: (before?.rows ?? 0) + scan.rows,
            malformed: (before?.malformed ?? 0) + scan.malformed,
            complete,
            path: label,
          };
          if (found) sources[found.index] = entry;
          else sources.push(entry);
        }
      }
      if (gzip && complete) fullyArchivedGzip.push(file);
    }
    await sink.close();
    const files = sink.rows > 0 ? await writeParquet(out, staging, run, sink.rows) : [];
    report.parquet_files = files.map((file) => file.path);
    await writeArchiveManifest(out, {
      version: 1,
      sources,
      files: [...manifest.files, ...files],
    });
    if (flags.deleteArchived && fullyArchivedGzip.length > 0) {
      report.deleted = await deleteVerified(out, staging, fullyArchivedGzip);
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return report;
}

/**
 * Standard input copied into the staging directory (removed with it): the archive reads a
 * source twice, its first bytes to recognise it, then the lines it does not hold yet.
 */
async function spool(source: TelemetrySource, staging: string): Promise<string> {
  const file = path.join(staging, 'stdin');
  await pipeline(source.stream, createWriteStream(file));
  return file;
}

/** Writes the staged rows as Parquet, checks the row count read back, and moves them into place. */
async function writeParquet(
  out: string,
  staging: string,
  run: string,
  rows: number,
): Promise<Array<{ path: string; rows: number }>> {
  const staged = path.join(staging, 'parquet');
  const db = await openDuckdb(path.join(staging, 'duckdb'), ARCHIVE_DUCKDB_SETTINGS);
  try {
    await db.connection.run(
      `COPY (SELECT *, strftime(ts, '%Y-%m-%d') AS date FROM (${rowsFromJsonl(path.join(staging, 'rows.jsonl'))}))
       TO ${sqlString(staged)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (date), FILENAME_PATTERN 'part_{i}')`,
    );
    const names = await listStaged(staged);
    const counts = await rowCounts(
      db,
      names.map((name) => path.join(staged, name)),
    );
    const files = names.map((name, i) => ({
      path: `${path.dirname(name)}/${run}-${i}.parquet`,
      rows: counts[i] ?? 0,
    }));
    const written = files.reduce((sum, file) => sum + file.rows, 0);
    if (written !== rows) {
      throw new EventKitError(
        'WRITE_FAILED',
        `${out}: DuckDB wrote ${written} rows of ${rows}; nothing was archived, run again`,
      );
    }
    for (const [i, name] of names.entries()) {
      const target = path.join(out, (files[i] as { path: string }).path);
      await mkdir(path.dirname(target), { recursive: true });
      await rename(path.join(staged, name), target);
      if (i === 0 && process.env[CRASH_HOOK] === 'after-first-file') {
        process.kill(process.pid, 'SIGKILL');
      }
    }
    return files;
  } finally {
    db.close();
  }
}

/** Row counts of Parquet files, in the order given, read back from the files themselves. */
async function rowCounts(db: Duckdb, files: readonly string[]): Promise<number[]> {
  if (files.length === 0) return [];
  const reader = await db.connection.runAndReadAll(
    `SELECT filename, count(*) AS n FROM read_parquet([${files.map(sqlString).join(', ')}], filename = true) GROUP BY filename`,
  );
  const byFile = new Map<string, number>();
  for (const [name, n] of reader.getRowsJson()) byFile.set(String(name), Number(n));
  return files.map((file) => byFile.get(file) ?? 0);
}

/**
 * Deletes `.gz` archives whose content is archived, once the archive as the manifest lists it
 * reads back whole: every listed Parquet file present, holding as many rows as the manifest's
 * sources account for.
 */
async function deleteVerified(out: string, staging: string, archives: string[]): Promise<string[]> {
  const manifest = await readArchiveManifest(out);
  const expected = manifest.sources.reduce((sum, source) => sum + source.rows, 0);
  const db = await openDuckdb(path.join(staging, 'duckdb'), ARCHIVE_DUCKDB_SETTINGS);
  let found: number;
  try {
    const files = manifest.files.map((file) => path.join(out, file.path));
    const counts = await rowCounts(db, files).catch((error: unknown) => {
      throw new EventKitError(
        'WRITE_FAILED',
        `${out}: cannot read the archive back (${firstLine(error)}); no .gz file was deleted`,
      );
    });
    found = counts.reduce((sum, n) => sum + n, 0);
  } finally {
    db.close();
  }
  if (found !== expected) {
    throw new EventKitError(
      'WRITE_FAILED',
      `${out}: the Parquet files hold ${found} rows, the manifest ${expected}; no .gz file was deleted (check the archive)`,
    );
  }
  for (const archive of archives) await unlink(archive);
  return archives;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

function printReport(ctx: CliContext, out: string, report: ArchiveReport, json: boolean): void {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const first = report.first_malformed[0];
  if (report.malformed > 0 && first) {
    ctx.stderr.write(
      `eventkit: skipped ${plural(report.malformed, 'malformed line')} (first at ${displayPath(first.file, ctx.cwd)}:${first.line}: ${first.reason})\n`,
    );
  }
  if (json) {
    ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  ctx.stdout.write(
    `archived ${plural(report.rows, 'row')} from ${plural(report.files_read, 'file')} into ${displayPath(out, ctx.cwd)} (${plural(report.parquet_files.length, 'new Parquet file')})\n`,
  );
  for (const file of report.deleted) {
    ctx.stdout.write(`deleted ${displayPath(file, ctx.cwd)} (archived and verified)\n`);
  }
}
