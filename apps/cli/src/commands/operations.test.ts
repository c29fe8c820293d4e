import { chmod, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  makeEvents,
  PYTHON_MANIFEST,
  runCli,
  sh,
  tempDir,
  writeEvents,
} from '../test-support/run-cli.js';

let dir: string;

beforeEach(async () => {
  dir = await tempDir();
});

describe('eventkit rotate', () => {
  it('rotates a file above --max-size into a gzip archive, keeping every line', async () => {
    const file = path.join(dir, 'telemetry.jsonl');
    await writeEvents(file, makeEvents(200, 1_732_540_000));
    const before = await sh('wc -l < telemetry.jsonl', dir);
    const run = await runCli(['rotate', '--max-size', '1KB'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^telemetry\.jsonl: [\d.]+ KB > 1\.0 KB, rotated to telemetry\.jsonl\.\d{8}-\d{6}-\d{3}/,
    );
    expect((await stat(file)).size).toBe(0);
    const archives = (await readdir(dir)).filter((name) => name.endsWith('.gz'));
    expect(archives).toHaveLength(1);
    expect(await sh(`zcat ${archives[0]} | wc -l`, dir)).toBe(before);
  });

  it('leaves a file within --max-size alone, and a missing one is not an error', async () => {
    await writeEvents(path.join(dir, 'small.jsonl'), makeEvents(2, 1_732_540_000));
    const run = await runCli(
      ['rotate', 'small.jsonl', 'absent.jsonl', '--max-size', '100MB', '--json'],
      {
        cwd: dir,
      },
    );
    expect(run.code).toBe(0);
    const [small, absent] = JSON.parse(run.stdout);
    expect(small).toMatchObject({ file: 'small.jsonl', compressed: [], deleted: [] });
    expect(small.rotatedTo).toBeUndefined();
    expect(absent).toMatchObject({ file: 'absent.jsonl', size_bytes: null });
  });

  it('deletes archives older than --keep-days and says which', async () => {
    await writeEvents(path.join(dir, 'telemetry.jsonl'), makeEvents(2, 1_732_540_000));
    const old = path.join(dir, 'telemetry.jsonl.20240101-000000-000.gz');
    const recent = path.join(dir, 'telemetry.jsonl.20240301-000000-000.gz');
    await writeEvents(old, makeEvents(2, 1_732_540_000));
    await writeEvents(recent, makeEvents(2, 1_732_540_000));
    const days = (n: number) => new Date(Date.now() - n * 86_400_000);
    await utimes(old, days(40), days(40));
    await utimes(recent, days(5), days(5));
    const run = await runCli(['rotate', '--keep-days', '30'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'deleted telemetry.jsonl.20240101-000000-000.gz (older than 30 days)',
    );
    expect((await readdir(dir)).sort()).toEqual([
      'telemetry.jsonl',
      'telemetry.jsonl.20240301-000000-000.gz',
    ]);
  });

  it('exits 3 for a directory instead of a file', async () => {
    const run = await runCli(['rotate', '.'], { cwd: dir });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('is not a regular file');
  });

  it.each([
    ['--max-size', 'lots'],
    ['--keep-days', '-1'],
  ])('exits 2 for %s %s', async (flag, value) => {
    const run = await runCli(['rotate', flag, value], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(flag);
  });
});

describe('eventkit doctor', () => {
  async function manifest(telemetry: Record<string, unknown>): Promise<string> {
    const json = JSON.parse(await readFile(PYTHON_MANIFEST, 'utf8'));
    const file = path.join(dir, 'agent.json');
    await writeFile(file, JSON.stringify({ ...json, telemetry }));
    return file;
  }

  it('passes with a valid manifest and fresh telemetry', async () => {
    await manifest({ enabled: true, file: 'events.jsonl' });
    await writeEvents(path.join(dir, 'events.jsonl'), makeEvents(5, Date.now() / 1000 - 60));
    const run = await runCli(['doctor'], { cwd: dir });
    expect(run.stdout).toContain('OK   manifest valid: agent.json');
    expect(run.stdout).toContain('OK   telemetry file: events.jsonl exists');
    expect(run.stdout).toContain('OK   newest event');
    expect(run.code).toBe(0);
  });

  it('fails with the fix when telemetry is disabled, and warns on stale or missing telemetry', async () => {
    await manifest({ enabled: false, file: 'events.jsonl' });
    const run = await runCli(['doctor', '--json'], { cwd: dir });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    const byName = Object.fromEntries(
      report.checks.map((check: { name: string }) => [check.name, check]),
    );
    expect(byName['telemetry enabled']).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('"enabled": true'),
    });
    expect(byName['telemetry file']).toMatchObject({ status: 'warn' });

    await manifest({ enabled: true, file: 'events.jsonl' });
    await writeEvents(
      path.join(dir, 'events.jsonl'),
      makeEvents(5, Date.now() / 1000 - 86_400 * 3),
    );
    const stale = await runCli(['doctor'], { cwd: dir });
    expect(stale.code).toBe(0);
    expect(stale.stdout).toMatch(
      /WARN newest event: the newest event is from \S+ \(2d 23h 59m ago\)/,
    );
    expect(stale.stdout).toContain('No failures, 1 warning.');
  });

  it('names the invalid field of a broken manifest', async () => {
    const json = JSON.parse(await readFile(PYTHON_MANIFEST, 'utf8'));
    json.sessions[1].popularity = 3;
    await writeFile(path.join(dir, 'agent.json'), JSON.stringify(json));
    const run = await runCli(['doctor'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /FAIL manifest valid: .*sessions\[1\]\.popularity must be between 0 and 1/,
    );
  });

  // root can write anything, so permissions cannot fail there.
  it.skipIf(process.getuid?.() === 0)(
    'fails on a telemetry file the user cannot write',
    async () => {
      await manifest({ enabled: true, file: 'events.jsonl' });
      await writeEvents(path.join(dir, 'events.jsonl'), makeEvents(1, Date.now() / 1000));
      await chmod(path.join(dir, 'events.jsonl'), 0o444);
      const run = await runCli(['doctor'], { cwd: dir });
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('FAIL permissions');
    },
  );
});

describe('eventkit recommend / explain / export (offline)', () => {
  it("recommends as the Python Event Kit did and appends the server's telemetry line", async () => {
    const expected = JSON.parse(
      await readFile(
        path.join(path.dirname(PYTHON_MANIFEST), 'python-eventkit-expected.json'),
        'utf8',
      ),
    );
    const [first] = expected.recommend;
    const run = await runCli(
      [
        'recommend',
        '--manifest',
        PYTHON_MANIFEST,
        '--interests',
        first.interests,
        '--top',
        String(first.top),
        '--json',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    const answer = JSON.parse(run.stdout);
    expect(answer.scoring.map((row: { title: string }) => row.title)).toEqual(first.titles);
    expect(answer.scoring.map((row: { score: number }) => row.score)).toEqual(first.scores);
    const lines = (await readFile(path.join(dir, 'telemetry.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      action: 'recommend',
      success: true,
      payload: {
        interests_count: 2,
        top: first.top,
        source: 'manifest',
        returned: first.titles.length,
      },
      error: null,
      trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    const summary = await runCli(['summarize', '--json'], { cwd: dir });
    expect(JSON.parse(summary.stdout).actions.recommend.count).toBe(1);
  });

  it('explains a session, and exits 1 for an unknown title (recorded as a failure)', async () => {
    const run = await runCli(
      [
        'explain',
        'generative agents in production',
        '--manifest',
        PYTHON_MANIFEST,
        '-i',
        'agents',
        '--json',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      title: 'Generative Agents in Production',
      matched_tags: ['agents'],
    });
    const missing = await runCli(
      ['explain', 'Nope', '--manifest', PYTHON_MANIFEST, '-i', 'agents'],
      { cwd: dir },
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no session titled "Nope"');
    const failures = await sh("jq -c 'select(.success == false) | .action' telemetry.jsonl", dir);
    expect(failures).toBe('"explain"\n');
  });

  it('exports an iCalendar itinerary to --out and writes no telemetry with --no-telemetry', async () => {
    const run = await runCli(
      [
        'export',
        '--manifest',
        PYTHON_MANIFEST,
        '-i',
        'agents',
        '--format',
        'ics',
        '--out',
        'plan.ics',
        '--no-telemetry',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    const ics = await readFile(path.join(dir, 'plan.ics'), 'utf8');
    expect(ics).toMatch(/^BEGIN:VCALENDAR/);
    expect(ics).toContain('Generative Agents in Production');
    await expect(stat(path.join(dir, 'telemetry.jsonl'))).rejects.toThrow();
  });

  it('saves copies with --save under content names, within the manifest export retention', async () => {
    const manifest = JSON.parse(await readFile(PYTHON_MANIFEST, 'utf8'));
    manifest.features = { export: { enabled: true, output_dir: 'exports', maxFiles: 2 } };
    await writeFile(path.join(dir, 'agent.json'), JSON.stringify(manifest));
    const save = (interests: string) =>
      runCli(['export', '--manifest', 'agent.json', '-i', interests, '--save', '--no-telemetry'], {
        cwd: dir,
      });
    const first = await save('agents');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^exports\/itinerary-[0-9a-f]{16}\.md\n$/);
    expect((await save('agents')).stdout).toBe(first.stdout);
    for (const interests of ['ai safety', 'edge', 'governance']) {
      expect((await save(interests)).code).toBe(0);
    }
    expect(await readdir(path.join(dir, 'exports'))).toHaveLength(2);
  });

  it.each([
    [['recommend', '--interests', ' ; '], '--interests'],
    [['recommend'], '--interests'],
    [['export', '-i', 'x', '--format', 'pdf'], '--format'],
  ])('exits 2 for %j', async (args, name) => {
    const run = await runCli(args, { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(name);
  });

  it('warns on stderr, and still recommends, when the external sessions file is missing', async () => {
    const json = JSON.parse(await readFile(PYTHON_MANIFEST, 'utf8'));
    json.features = { ...json.features, externalSessions: { enabled: true, file: 'gone.json' } };
    await writeFile(path.join(dir, 'agent.json'), JSON.stringify(json));
    const run = await runCli(
      ['recommend', '--manifest', 'agent.json', '-i', 'agents', '--no-telemetry'],
      {
        cwd: dir,
      },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('WARNING');
    expect(run.stderr).toContain('gone.json');
    expect(run.stdout).toContain('Generative Agents in Production');
  });

  it('exits 3 for a manifest that does not exist', async () => {
    const run = await runCli(['recommend', '-i', 'agents', '--manifest', 'nowhere.json'], {
      cwd: dir,
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('nowhere.json');
  });
});
