import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CliContext } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { inputLabel, resolveInputs } from '../input-files.js';
import type { InputFlags } from '../input-options.js';
import { formatCount } from '../number-format.js';
import { collectReport } from '../report/collect.js';
import { renderReportHtml } from '../report/render-html.js';
import { buildReportModel } from '../report/report-model.js';
import { formatSize } from '../sizes.js';
import { checkTimeRange } from '../time-range.js';

/** `--html -` writes the page to standard output. */
const STDOUT_ARG = '-';

export interface ReportFlags extends InputFlags {
  html: string;
  compare?: 'previous';
}

/** `eventkit report`: one self-contained HTML report, read in one pass over the inputs. */
export async function runReport(
  ctx: CliContext,
  args: string[],
  flags: ReportFlags,
): Promise<number> {
  checkTimeRange(flags);
  const now = ctx.now().getTime() / 1000;
  if (flags.since !== undefined && flags.until === undefined && flags.since >= now) {
    throw new UsageError('--since is in the future, so the period is empty; give an earlier time');
  }
  const compare = flags.compare === 'previous';
  // With --compare, the previous period's files must be read too: no modification-time shortcut.
  const inputs = await resolveInputs(args, ctx, {
    ...flags,
    since: compare || flags.since === undefined ? undefined : flags.since,
  });
  const options = { since: flags.since, until: flags.until, compare, now };
  const collected = await collectReport(inputs, options);
  const model = buildReportModel(collected, options);
  const html = renderReportHtml(model, {
    inputs: inputs.map((input) => inputLabel(input, ctx.cwd)),
    generatedAt: now,
  });
  if (flags.html === STDOUT_ARG) {
    // The page itself is the output (`… | mail`): the one-line note would corrupt it.
    ctx.stdout.write(html);
    return EXIT.ok;
  }
  const target = path.resolve(ctx.cwd, flags.html);
  try {
    await writeFile(target, html);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    ctx.stderr.write(
      `eventkit: ${flags.html}: cannot write the report (${reason}); choose another --html path\n`,
    );
    return EXIT.tripped;
  }
  const { total } = model.current.summary;
  const regressions = model.changes?.filter((c) => c.direction === 'regression').length ?? 0;
  ctx.stdout.write(
    `Wrote ${flags.html} (${formatSize(Buffer.byteLength(html))}): ${formatCount(total)} ${total === 1 ? 'request' : 'requests'}${model.previous ? `, ${regressions} ${regressions === 1 ? 'regression' : 'regressions'} against the previous period` : ''}\n`,
  );
  return EXIT.ok;
}
