import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { resolveTelemetryFiles } from '@eventkit/core/analysis';
import {
  type LoadedManifest,
  loadManifest,
  manifestSettings,
  SAMPLE_MANIFEST_PATH,
} from '@eventkit/core/manifest';
import { diskFreeRatio } from '@eventkit/core/telemetry';
import { colorsFor } from '../colors.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { displayPath } from '../input-files.js';
import { formatElapsed } from '../number-format.js';
import { readRecentEvents } from '../recent-events.js';

export interface DoctorFlags {
  manifest?: string;
  file?: string;
  /** Seconds: a newer event than this is expected from a running agent. */
  maxAge: number;
  json?: boolean;
}

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a warn or fail. */
  fix?: string;
}

/** Below this free share of its disk the telemetry file is in danger (the seed's "Disk Full"). */
const DISK_FAIL = 0.1;
const DISK_WARN = 0.2;

/**
 * `eventkit doctor`: the seed's "Missing Telemetry" troubleshooting (`jq '.telemetry' agent.json`,
 * `ls -l telemetry.jsonl`, `df -h .`) as checks that each say what to do. Exit 1 on any failure.
 */
export async function runDoctor(ctx: CliContext, flags: DoctorFlags): Promise<number> {
  const checks: DoctorCheck[] = [];
  const { check: manifestCheck, loaded } = await checkManifest(ctx, flags.manifest);
  checks.push(manifestCheck);

  const settings = loaded ? manifestSettings(loaded, ctx.cwd).telemetry : undefined;
  if (settings) {
    checks.push(
      settings.enabled
        ? { name: 'telemetry enabled', status: 'ok', detail: 'telemetry.enabled is true' }
        : {
            name: 'telemetry enabled',
            status: 'fail',
            detail: 'telemetry.enabled is false, so the agent writes no telemetry',
            fix: `set "telemetry": {"enabled": true} in ${displayPath(loaded?.path ?? 'agent.json', ctx.cwd)} and restart the agent`,
          },
    );
  }
  const file = flags.file
    ? path.resolve(ctx.cwd, flags.file)
    : (settings?.file ?? path.resolve(ctx.cwd, 'telemetry.jsonl'));
  const label = displayPath(file, ctx.cwd);
  const info = await stat(file).catch(() => undefined);
  checks.push(
    info?.isFile()
      ? { name: 'telemetry file', status: 'ok', detail: `${label} exists (${info.size} bytes)` }
      : {
          name: 'telemetry file',
          status: 'warn',
          detail: `${label} does not exist${info ? ' as a regular file' : ' yet'}`,
          fix: `the agent creates it on its first request; a relative telemetry.file resolves against the agent's working directory, so start the agent from ${ctx.cwd} or make the path absolute`,
        },
  );
  checks.push(await checkPermissions(file, label, info !== undefined));
  checks.push(await checkDisk(path.dirname(file)));
  if (info?.isFile()) checks.push(await checkFreshness(ctx, file, flags.maxAge));

  const failed = checks.some((check) => check.status === 'fail');
  if (flags.json) {
    ctx.stdout.write(`${JSON.stringify({ ok: !failed, file, checks }, null, 2)}\n`);
  } else {
    const c = colorsFor(ctx.stdout, ctx.env);
    const mark = { ok: c.green('OK  '), warn: c.yellow('WARN'), fail: c.red('FAIL') };
    for (const check of checks) {
      ctx.stdout.write(`${mark[check.status]} ${check.name}: ${check.detail}\n`);
      if (check.fix && check.status !== 'ok') ctx.stdout.write(`     fix: ${check.fix}\n`);
    }
    const count = (status: CheckStatus) => checks.filter((check) => check.status === status).length;
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    ctx.stdout.write(
      failed
        ? `${plural(count('fail'), 'failure')}, ${plural(count('warn'), 'warning')}.\n`
        : count('warn') > 0
          ? `No failures, ${plural(count('warn'), 'warning')}.\n`
          : 'No problems found.\n',
    );
  }
  return failed ? EXIT.tripped : EXIT.ok;
}

async function checkManifest(
  ctx: CliContext,
  named: string | undefined,
): Promise<{ check: DoctorCheck; loaded?: LoadedManifest }> {
  const local = path.resolve(ctx.cwd, 'agent.json');
  const candidate = named
    ? path.resolve(ctx.cwd, named)
    : ((await stat(local).then(
        () => local,
        () => undefined,
      )) ?? SAMPLE_MANIFEST_PATH);
  try {
    const loaded = await loadManifest(candidate);
    const which =
      candidate === SAMPLE_MANIFEST_PATH
        ? 'the bundled sample manifest'
        : displayPath(loaded.path, ctx.cwd);
    return {
      check: {
        name: 'manifest valid',
        status: 'ok',
        detail: `${which}: ${loaded.manifest.sessions.length} sessions`,
      },
      loaded,
    };
  } catch (error) {
    return {
      check: {
        name: 'manifest valid',
        status: 'fail',
        detail: (error as Error).message,
        fix: 'correct the file or field named above (or point --manifest / EVENTKIT_MANIFEST at the right agent.json); the agent health check reports "Cannot load manifest" until then',
      },
    };
  }
}

async function checkPermissions(
  file: string,
  label: string,
  exists: boolean,
): Promise<DoctorCheck> {
  const target = exists ? file : path.dirname(file);
  try {
    await access(target, exists ? constants.R_OK | constants.W_OK : constants.W_OK);
    return {
      name: 'permissions',
      status: 'ok',
      detail: exists ? `${label} is readable and writable` : `${target} is writable`,
    };
  } catch {
    return {
      name: 'permissions',
      status: 'fail',
      detail: `${exists ? label : target} is not ${exists ? 'readable and writable' : 'writable'} by this user`,
      fix: exists
        ? `run: chown <agent user> ${file} && chmod 0644 ${file}`
        : `run: chown <agent user> ${target}, or set telemetry.file to a writable directory`,
    };
  }
}

async function checkDisk(dir: string): Promise<DoctorCheck> {
  const existing = await nearestExisting(dir);
  const ratio = await diskFreeRatio(existing);
  const percent = `${(ratio * 100).toFixed(1)}% free`;
  if (ratio < DISK_FAIL) {
    return {
      name: 'disk space',
      status: 'fail',
      detail: `${percent} on the disk of ${existing}`,
      fix: 'free space, or rotate and compress old telemetry: eventkit rotate --max-size 50MB --keep-days 7',
    };
  }
  return ratio < DISK_WARN
    ? {
        name: 'disk space',
        status: 'warn',
        detail: `${percent} on the disk of ${existing}`,
        fix: 'plan to free space soon (eventkit rotate)',
      }
    : { name: 'disk space', status: 'ok', detail: `${percent} on the disk of ${existing}` };
}

async function checkFreshness(ctx: CliContext, file: string, maxAge: number): Promise<DoctorCheck> {
  const files = await resolveTelemetryFiles([file], { includeRotated: true });
  const [newest] = await readRecentEvents(files, 1);
  if (!newest) {
    return {
      name: 'newest event',
      status: 'warn',
      detail: 'no valid event in the file',
      fix: 'send the agent a request (or run eventkit recommend --interests ai) and check again',
    };
  }
  const age = Math.max(0, ctx.now().getTime() / 1000 - newest.ts);
  const when = `${new Date(newest.ts * 1000).toISOString()} (${formatElapsed(age)} ago)`;
  return age > maxAge
    ? {
        name: 'newest event',
        status: 'warn',
        detail: `the newest event is from ${when}`,
        fix: 'is the agent running and receiving requests? check eventkit health --url http://127.0.0.1:8000 and the agent log',
      }
    : { name: 'newest event', status: 'ok', detail: `the newest event is from ${when}` };
}

async function nearestExisting(dir: string): Promise<string> {
  let current = dir;
  while (
    !(await stat(current).then(
      () => true,
      () => false,
    ))
  ) {
    const parent = path.dirname(current);
    if (parent === current) return current;
    current = parent;
  }
  return current;
}
