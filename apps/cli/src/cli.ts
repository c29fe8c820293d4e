import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { byOption } from './by-instance.js';
import type { CliContext } from './context.js';
import {
  DEFAULT_FILES_HELP,
  FILES_HELP,
  manifestOption,
  noRotatedOption,
  withInputOptions,
} from './input-options.js';
import {
  parseCount,
  parseDuration,
  parseHttpUrl,
  parseNonNegative,
  parsePercent,
  parsePositiveInt,
} from './option-parsers.js';
import {
  APPROXIMATE_HELP,
  LINEAR_PERCENTILES_HELP,
  SEED_PERCENTILES_HELP,
  WINDOW_PERCENTILES_HELP,
} from './percentiles.js';
import { SESSION_SOURCES } from './session-sources.js';
import { parseSize } from './sizes.js';

const EXIT_CODES_HELP = `
Exit codes:
  0  ok
  1  a check or alert tripped (slo breach, alert firing, unhealthy service, doctor failure,
     explain of an unknown title), or an output could not be written
  2  usage error (unknown command or flag, bad flag value, contradictory flags)
  3  unreadable input or a bad manifest (missing or unreadable file, glob matching nothing,
     invalid manifest, calendar source that fails or refuses the credentials)
  70 internal error (a bug: please report it; EVENTKIT_DEBUG=1 prints the stack)`;

/** A duration option whose default reads as a duration in --help (`24h`, not 86400). */
function windowOption(
  description: string,
  seconds: number,
  label: string,
  flag = '--window',
): Option {
  return new Option(`${flag} <duration>`, description)
    .argParser(parseDuration)
    .default(seconds, label);
}

export interface ProgramResult {
  exitCode: number;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * The `eventkit` command tree. Handlers return an exit code into `result`; errors propagate to
 * main.ts, the one place that maps them to exit codes. Each handler's module is imported when its
 * command runs, so a command loads only the parts of core it uses (`summarize` reads telemetry
 * without loading the manifest, agent, graph or zod modules).
 */
export function createProgram(ctx: CliContext): { program: Command; result: ProgramResult } {
  const result: ProgramResult = { exitCode: 0 };
  const done = (code: number) => {
    result.exitCode = code;
  };
  const program = new Command('eventkit')
    .description('Analyse, alert on and rotate Event Kit telemetry; run the agent offline.')
    .version(version(), '-V, --version')
    .configureOutput({
      writeOut: (text) => ctx.stdout.write(text),
      writeErr: (text) => ctx.stderr.write(text),
    })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP);

  withInputOptions(program.command('summarize'), ctx)
    .description(
      "the seed's telemetry summary: totals, action breakdown, latency percentiles, error rate",
    )
    .option('--json', 'print the TelemetrySummary JSON (stable interface, see README)')
    .addOption(byOption('the same summary'))
    .addOption(
      new Option(
        '--threads <n>',
        'threads for the summary, this one included (default: 1 under 128 MiB of input, otherwise one per core, at most 8; at most 64; 1 when reading standard input)',
      ).argParser(parsePositiveInt),
    )
    .addHelpText(
      'after',
      `${LINEAR_PERCENTILES_HELP}${APPROXIMATE_HELP}\n\nExamples:\n  eventkit summarize\n  eventkit summarize --since 24h --json 'logs/*.jsonl'\n  zcat old.jsonl.gz | eventkit summarize -`,
    )
    .action(async (files: string[], flags) => {
      const { runSummarize } = await import('./commands/summarize.js');
      done(await runSummarize(ctx, files, flags));
    });

  withInputOptions(program.command('report'), ctx)
    .description(
      'one self-contained HTML report (summary, SLOs, charts over time, top errors, slowest requests, gaps), read in one pass',
    )
    .option(
      '--html <file>',
      'where to write the report (- for standard output)',
      'eventkit-report.html',
    )
    .addOption(
      new Option(
        '--compare <period>',
        'also show the change against the period of the same length just before (without --since: the later half of the data against the earlier half)',
      ).choices(['previous']),
    )
    .addHelpText(
      'after',
      "\nThe file fetches nothing when opened (inline CSS and SVG, no script): mail it, print it, open it offline.\nIts numbers are those of `summarize --json` over the same period; the period is --since..--until\n(--until defaults to now), or without --since all the events read.\n\nExamples:\n  eventkit report --since 7d --compare previous\n  eventkit report 'logs/*.jsonl' --html week.html\n  zcat old.jsonl.gz | eventkit report - --html old.html",
    )
    .action(async (files: string[], flags) => {
      const { runReport } = await import('./commands/report.js');
      done(await runReport(ctx, files, flags));
    });

  program
    .command('metrics')
    .description("the seed's calculate_metrics fields over a time window")
    .argument('[files...]', `${FILES_HELP} (${DEFAULT_FILES_HELP})`)
    .addOption(windowOption('window back from now (15m, 24h, 7d)', 86_400, '24h'))
    .option('--json', 'print the WindowMetrics JSON')
    .addOption(byOption('the same fields'))
    .addOption(noRotatedOption())
    .addOption(manifestOption(ctx))
    .addHelpText('after', `${SEED_PERCENTILES_HELP}${APPROXIMATE_HELP}`)
    .action(async (files: string[], flags) => {
      const { runMetrics } = await import('./commands/metrics.js');
      done(await runMetrics(ctx, files, flags));
    });

  program
    .command('slo')
    .description("check the seed's key-metric targets (PASS/FAIL); exit 1 on any breach")
    .argument('[files...]', `${FILES_HELP} (${DEFAULT_FILES_HELP})`)
    .option(
      '--targets <file>',
      'JSON object of the targets to check instead of the defaults (see README)',
    )
    .addOption(windowOption('window back from now (15m, 24h, 7d)', 86_400, '24h'))
    .option('--json', 'print the checks as JSON')
    .addOption(byOption('the same checks', "; the exit code stays the fleet's"))
    .addOption(noRotatedOption())
    .addOption(manifestOption(ctx))
    .addHelpText('after', WINDOW_PERCENTILES_HELP)
    .action(async (files: string[], flags) => {
      const { runSlo } = await import('./commands/slo.js');
      done(await runSlo(ctx, files, flags));
    });

  withInputOptions(program.command('slow'), ctx)
    .description('requests slower than --threshold ms, as `action: 123.4ms - {payload}`')
    .option('--threshold <ms>', 'latency threshold in ms (strictly above)', parseNonNegative, 100)
    .option('--json', 'print the slow events as JSONL instead')
    .action(async (files: string[], flags) => {
      const { runSlow } = await import('./commands/slow.js');
      done(await runSlow(ctx, files, flags));
    });

  withInputOptions(program.command('errors'), ctx)
    .description('failed requests as JSONL (default: all of history; the seed asks --since 1h)')
    .option('--action <names...>', 'only these actions (comma-separated or repeated)')
    .option('--pretty', 'one human-readable line per event instead of JSONL')
    .action(async (files: string[], flags) => {
      const { runErrors } = await import('./commands/errors.js');
      done(await runErrors(ctx, files, flags));
    });

  withInputOptions(program.command('query'), ctx)
    .description('events matching every filter, as JSONL (pipe-able to jq)')
    .option('--action <names...>', 'only these actions (comma-separated or repeated)')
    .option('--success', 'only successful events')
    .option('--failed', 'only failed events')
    .option('--min-latency <ms>', 'only events with latency_ms >= ms', parseNonNegative)
    .option('--max-latency <ms>', 'only events with latency_ms <= ms', parseNonNegative)
    .option('--error <text>', 'only events whose error contains this text (case-insensitive)')
    .option('--limit <n>', 'stop after n events', parsePositiveInt)
    .option('--pretty', 'one human-readable line per event instead of JSONL')
    .addHelpText(
      'after',
      "\nExamples:\n  eventkit query --action recommend --failed --since 1h\n  eventkit query --min-latency 100 | jq -r '.trace_id'\n  eventkit query --action recommend | eventkit summarize -",
    )
    .action(async (files: string[], flags) => {
      const { runQuery } = await import('./commands/query.js');
      done(await runQuery(ctx, files, flags));
    });

  program
    .command('tail')
    .description(
      'the last events of the telemetry files, merged in time order; -f keeps following them across rotations',
    )
    .argument(
      '[files...]',
      `telemetry files or quoted globs; - reads standard input, without -f and on its own (default: every instance's live file, i.e. ./telemetry.jsonl (or the manifest telemetry file) and each worker's telemetry-w<k>.jsonl beside it; with -f, workers that start later too)`,
    )
    .option(
      '-n, --lines <n>',
      'how many past events to print first (0: with -f, only new ones)',
      parseCount,
      10,
    )
    .option('-f, --follow', 'keep printing new events until Ctrl-C; follows rotation')
    .option('--pretty', 'one human-readable line per event instead of JSONL')
    .option(
      '--poll-ms <ms>',
      'with -f, milliseconds between checks for new lines',
      parsePositiveInt,
      250,
    )
    .option(
      '--reorder-ms <ms>',
      'with -f and several files, how long a line may wait for the other files to catch up with its time',
      parseCount,
      1000,
    )
    .addOption(manifestOption(ctx))
    .addHelpText(
      'after',
      `
Several files (every instance's by default) come out as one stream in time order: -n takes the
newest events across all of them; with -f, a line is printed once every file has shown a line at
least as new, or once it has waited --reorder-ms (so an idle instance delays the others by at most
that), and a line whose writer lagged longer is printed as soon as it is read.

Examples:
  eventkit tail -f
  eventkit tail -n 50 --pretty 'hosts/*/telemetry*.jsonl'`,
    )
    .action(async (files: string[], flags) => {
      const { runTail } = await import('./commands/tail.js');
      const signal = flags.follow ? ctx.interruptSignal() : new AbortController().signal;
      done(await runTail(ctx, files, flags, signal));
    });

  program
    .command('dashboard')
    .description(
      'live terminal dashboard: service status, last-hour requests and errors, latency, per-action p95',
    )
    .option(
      '--url <url>',
      'agent base URL (its /health is probed) or a health URL with a path (used as given)',
      parseHttpUrl,
      'http://127.0.0.1:8000',
    )
    .option(
      '--file <file>',
      "telemetry file (default: every instance's file, i.e. ./telemetry.jsonl or the manifest telemetry file and each worker's telemetry-w<k>.jsonl beside it)",
    )
    .option('--interval <seconds>', 'seconds between refreshes', parsePositiveInt, 5)
    .option('--once', 'print one frame and exit (the default when stdout is not a terminal)')
    .addOption(manifestOption(ctx))
    .action(async (flags) => {
      const { runDashboard } = await import('./commands/dashboard.js');
      done(await runDashboard(ctx, flags));
    });

  program
    .command('health')
    .description("probe the agent's /health; --watch is the seed's uptime monitor")
    .option(
      '--url <url>',
      'agent base URL (its /health is probed) or a health URL with a path (used as given)',
      parseHttpUrl,
      'http://127.0.0.1:8000',
    )
    .option('--watch', 'check again every --interval seconds until stopped')
    .option('--interval <seconds>', 'seconds between checks with --watch', parsePositiveInt, 60)
    .option('--timeout <seconds>', 'seconds before a check counts as failed', parsePositiveInt, 5)
    .option(
      '--on-fail <command>',
      'shell command run when the service turns unhealthy (alert text on stdin)',
    )
    .option('--count <n>', 'with --watch, stop after n checks', parsePositiveInt)
    .option('--json', 'one JSON object per check')
    .addHelpText(
      'after',
      `\nExamples:\n  eventkit health --url http://127.0.0.1:8000\n  eventkit health --watch --on-fail 'mail -s "Event Agent Down" admin@example.com'`,
    )
    .action(async (flags) => {
      const { runHealth } = await import('./commands/health.js');
      done(await runHealth(ctx, flags));
    });

  program
    .command('alert')
    .description(
      'cron-friendly threshold checks; exit 1 when alerting (default: more than 10 failures in the last 100)',
    )
    .argument('[files...]', `${FILES_HELP} (${DEFAULT_FILES_HELP})`)
    .option(
      '--max-failures <n>',
      'alert when more than n of the last --last requests failed',
      parseCount,
    )
    .option('--last <n>', 'how many recent requests --max-failures looks at', parsePositiveInt, 100)
    .option(
      '--error-rate <percent>',
      'alert when the error rate over --window is above this (5%)',
      parsePercent,
    )
    .option('--p95-over <ms>', 'alert when p95 latency over --window is above ms', parseNonNegative)
    .addOption(windowOption('window for --error-rate and --p95-over', 300, '5m'))
    .option(
      '--min-requests <n>',
      'no rate or latency alert on fewer requests than this',
      parsePositiveInt,
      1,
    )
    .option('--webhook <url>', 'POST the alert as JSON to this URL when alerting', parseHttpUrl)
    .option('--mail-to <address>', 'mail the alert with sendmail when alerting')
    .option('--json', 'print the checks as JSON')
    .option('--quiet', 'print nothing unless alerting (for cron)')
    .addOption(noRotatedOption())
    .addOption(manifestOption(ctx))
    .addHelpText(
      'after',
      `${WINDOW_PERCENTILES_HELP}\n` +
        '\nExamples (crontab):\n  */5 * * * * eventkit alert --quiet --max-failures 10 --mail-to admin@example.com\n  */5 * * * * eventkit alert --quiet --error-rate 5% --window 5m --p95-over 100 --webhook https://hooks.example.com/x',
    )
    .action(async (files: string[], flags) => {
      const { runAlert } = await import('./commands/alert.js');
      done(await runAlert(ctx, files, flags));
    });

  program
    .command('rotate')
    .description(
      "the seed's rotate_logs.sh: rotate above --max-size, gzip archives, delete old ones",
    )
    .argument(
      '[files...]',
      'files to rotate (default: ./telemetry.jsonl, or the manifest telemetry file)',
    )
    .addOption(
      new Option('--max-size <size>', 'rotate files larger than this (100MB, 512KB, bytes)')
        .argParser(parseSize)
        .default(100 * 1024 * 1024, '100MB'),
    )
    .option('--keep-days <days>', 'delete archives older than this many days', parsePositiveInt, 30)
    .option('--no-compress', 'leave archives uncompressed')
    .option('--json', 'print what was done as JSON')
    .addOption(manifestOption(ctx))
    .action(async (files: string[], flags) => {
      const { runRotate } = await import('./commands/rotate.js');
      done(await runRotate(ctx, files, flags));
    });

  program
    .command('archive')
    .description(
      'telemetry as day-partitioned Parquet (DIR/date=YYYY-MM-DD/*.parquet), incrementally',
    )
    .argument('[files...]', `${FILES_HELP} (${DEFAULT_FILES_HELP})`)
    .requiredOption('--out <dir>', 'archive directory (created if missing)')
    .option(
      '--delete-archived',
      'delete .gz archives once their lines are in Parquet and the archive reads back whole',
    )
    .option('--json', 'print what was archived as JSON')
    .addOption(noRotatedOption())
    .addOption(manifestOption(ctx))
    .addHelpText(
      'after',
      `
Only lines not archived before are written: run it after each rotation, from cron.
A last line without a newline in a plain file waits for the next run (it may be mid-write).
Malformed lines are counted and reported, never written.

Examples:
  eventkit archive --out /var/lib/eventkit/archive
  eventkit archive --out archive --delete-archived 'logs/*/telemetry.jsonl'`,
    )
    .action(async (files: string[], flags) => {
      const { runArchive } = await import('./commands/archive.js');
      done(await runArchive(ctx, files, flags));
    });

  program
    .command('sql')
    .description('SQL (DuckDB) over telemetry as the table `telemetry`: live files and the archive')
    .argument('<query>', 'the SQL query, e.g. "SELECT action, count(*) FROM telemetry GROUP BY 1"')
    .argument('[files...]', `${FILES_HELP} (without --archive, ${DEFAULT_FILES_HELP})`)
    .option(
      '--archive <dir>',
      'an `eventkit archive` directory; with FILES too, their lines it holds are read once',
    )
    .option('--json', 'print one JSON object per row (JSON Lines)')
    .option('--csv', 'print CSV with a header row')
    .addOption(noRotatedOption())
    .addOption(manifestOption(ctx))
    .addHelpText(
      'after',
      `
Columns: ts TIMESTAMP (UTC), action, success, latency_ms, error, trace_id, instance, payload JSON.
A query DuckDB rejects exits 2; an unreadable file or archive exits 3.

Examples:
  eventkit sql "SELECT action, count(*) AS n FROM telemetry GROUP BY action ORDER BY n DESC"
  eventkit sql --archive archive "SELECT * FROM telemetry WHERE NOT success" --json telemetry.jsonl`,
    )
    .action(async (query: string, files: string[], flags) => {
      const { runSql } = await import('./commands/sql.js');
      done(await runSql(ctx, query, files, flags));
    });

  program
    .command('doctor')
    .description('the seed\'s "Missing Telemetry" checks, each with a fix; exit 1 on a failure')
    .option(
      '--manifest <file>',
      'agent.json to check (default: ./agent.json, else the bundled sample)',
      ctx.env.EVENTKIT_MANIFEST,
    )
    .option('--file <file>', 'telemetry file to check (default: the manifest telemetry.file)')
    .addOption(
      windowOption('warn when the newest event is older than this', 3600, '1h', '--max-age'),
    )
    .option('--json', 'print the checks as JSON')
    .action(async (flags) => {
      const { runDoctor } = await import('./commands/doctor.js');
      done(await runDoctor(ctx, flags));
    });

  const agentOptions = (command: Command) =>
    command
      .option(
        '--manifest <file>',
        'agent.json (default: the bundled sample event)',
        ctx.env.EVENTKIT_MANIFEST,
      )
      .addOption(
        new Option('--source <source>', 'where sessions come from')
          .choices(SESSION_SOURCES)
          .default('manifest'),
      )
      .option('--user <id>', 'with --source graph: calendar owner (default: GRAPH_USER_ID)')
      .option(
        '--start <date>',
        'with --source graph: window start, ISO date or date-time (default: now)',
      )
      .option('--end <date>', 'with --source graph: window end (default: start + 7 days)')
      .option('--no-telemetry', "do not append this action to the manifest's telemetry file")
      .option('--json', 'print the JSON the server would answer');

  agentOptions(program.command('recommend'))
    .description("the agent's recommendation, offline (writes telemetry like the server)")
    .requiredOption('-i, --interests <list>', 'interests separated by , or ; ("agents, ai safety")')
    .option(
      '--top <n>',
      'how many sessions (default: the manifest recommend.max_sessions_default)',
      parsePositiveInt,
    )
    .action(async (flags) => {
      const { runRecommend } = await import('./commands/recommend.js');
      done(await runRecommend(ctx, flags));
    });

  agentOptions(program.command('explain'))
    .description('why a session scores what it scores, offline; exit 1 for an unknown title')
    .argument('<title>', 'session title (case-insensitive)')
    .requiredOption('-i, --interests <list>', 'interests separated by , or ;')
    .action(async (title: string, flags) => {
      const { runExplain } = await import('./commands/explain.js');
      done(await runExplain(ctx, title, flags));
    });

  agentOptions(program.command('export'))
    .description('the itinerary for some interests as Markdown or iCalendar, offline')
    .requiredOption('-i, --interests <list>', 'interests separated by , or ;')
    .option(
      '--top <n>',
      'how many sessions (default: the manifest recommend.max_sessions_default)',
      parsePositiveInt,
    )
    .addOption(
      new Option('--format <format>', 'itinerary format')
        .choices(['markdown', 'ics'])
        .default('markdown'),
    )
    .option('-o, --out <file>', 'write the itinerary to this file (- for stdout, the default)')
    .option(
      '--save',
      "write it into the manifest's features.export.output_dir under a safe generated name",
    )
    .action(async (flags) => {
      const { runExport } = await import('./commands/export.js');
      done(await runExport(ctx, flags));
    });

  return { program, result };
}
