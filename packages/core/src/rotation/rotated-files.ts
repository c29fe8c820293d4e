import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const STAMP = /^\d{8}-\d{6}-\d{3}(?:-\d+)?$/;
const LOGROTATE_NUMBER = /^\d{1,4}$/;
const LOGROTATE_DATE = /^\d{8}(?:\d{2,6})?$/;

interface RotatedFile {
  path: string;
  /** Sort key: lower is older. */
  order: [number, string];
}

/**
 * Formats the name a rotated file gets: `<file>.<UTC yyyyMMdd-HHmmss-SSS>[-n]`, so plain name
 * order is age order. `.gz` is appended once compressed.
 *
 * @example
 * rotatedFileName('/var/lib/eventkit/telemetry.jsonl', new Date(0)); // '/var/lib/eventkit/telemetry.jsonl.19700101-000000-000'
 */
export function rotatedFileName(file: string, at: Date, sequence = 0): string {
  const iso = at.toISOString(); // 1970-01-01T00:00:00.000Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}-${iso.slice(20, 23)}`;
  return sequence > 0 ? `${file}.${stamp}-${sequence}` : `${file}.${stamp}`;
}

function classify(file: string, candidate: string): RotatedFile['order'] | undefined {
  const base = basename(file);
  let suffix: string;
  if (candidate.startsWith(`${base}.`)) suffix = candidate.slice(base.length + 1);
  else if (candidate.startsWith(`${base}-`)) suffix = candidate.slice(base.length + 1);
  else return undefined;
  if (suffix.endsWith('.gz')) suffix = suffix.slice(0, -3);
  if (STAMP.test(suffix)) {
    const [date = '', time = '', ms = '', seq = '0'] = suffix.split('-');
    return [1, `${date}${time}${ms}${seq.padStart(6, '0')}`];
  }
  if (LOGROTATE_DATE.test(suffix)) return [1, suffix.padEnd(14, '0')];
  // logrotate numbering: .1 is the newest archive, so a higher number is older.
  if (LOGROTATE_NUMBER.test(suffix)) return [0, String(9999 - Number(suffix)).padStart(4, '0')];
  return undefined;
}

/**
 * Lists the archives of a log or telemetry file, oldest first, without the live file itself.
 * Understands our own stamped names and logrotate's numbered (`.1`, `.2.gz`) and dated
 * (`-20240315`) names, compressed or not. Each archive appears once: when a process died
 * between finishing `X.gz` and removing `X`, only `X` is listed (it holds everything `X.gz`
 * does), so no reader counts those lines twice.
 *
 * @example
 * const archives = await listRotatedFiles('telemetry.jsonl');
 * const everything = [...archives, 'telemetry.jsonl'];
 */
export async function listRotatedFiles(file: string): Promise<string[]> {
  const dir = dirname(file);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const rotated: RotatedFile[] = [];
  for (const name of names) {
    const order = classify(file, name);
    if (order) rotated.push({ path: join(dir, name), order });
  }
  rotated.sort((a, b) => a.order[0] - b.order[0] || a.order[1].localeCompare(b.order[1]));
  return withoutHalfCompressed(rotated.map((entry) => entry.path));
}

/** While `X` is being gzipped both `X` and `X.gz` exist; `X` is complete, so `X.gz` is left out. */
function withoutHalfCompressed(archives: string[]): string[] {
  const names = new Set(archives);
  return archives.filter((path) => !(path.endsWith('.gz') && names.has(path.slice(0, -3))));
}

/**
 * The names an archive listed as `path` may have by the time it is opened: itself and, for a
 * plain archive, the `.gz` it may have been compressed into (and the plain file removed) since.
 */
export function archiveSpellings(path: string): string[] {
  return path.endsWith('.gz') ? [path] : [path, `${path}.gz`];
}

/**
 * The name for the next archive of `file` rotated at `at`: `rotatedFileName(file, at)`, unless an
 * archive with the same or a later stamp already exists (several rotations in one millisecond, a
 * clock that went back), in which case the newest stamp with the next sequence number — so name
 * order stays rotation order and no archive is ever overwritten.
 *
 * @example
 * const target = await nextRotatedFileName('telemetry.jsonl', new Date());
 */
export async function nextRotatedFileName(file: string, at: Date): Promise<string> {
  const wanted = rotatedFileName(file, at).slice(file.length + 1);
  const base = basename(file);
  let newest: { stamp: string; sequence: number } | undefined;
  for (const path of await listRotatedFiles(file)) {
    let suffix = basename(path).slice(base.length + 1);
    if (suffix.endsWith('.gz')) suffix = suffix.slice(0, -3);
    if (!STAMP.test(suffix)) continue;
    const stamp = suffix.slice(0, 19);
    const sequence = suffix.length > 19 ? Number(suffix.slice(20)) : 0;
    if (!newest || stamp > newest.stamp || (stamp === newest.stamp && sequence > newest.sequence)) {
      newest = { stamp, sequence };
    }
  }
  if (!newest || wanted > newest.stamp) return `${file}.${wanted}`;
  return `${file}.${newest.stamp}-${newest.sequence + 1}`;
}
