import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { findConflicts } from '../agent/scoring.js';
import { isEventKitError } from '../errors.js';
import { tempDir } from '../test-support/temp-dir.js';
import {
  loadManifest,
  manifestSettings,
  parseManifest,
  SAMPLE_MANIFEST_PATH,
} from './load-manifest.js';

const session = (over: Record<string, unknown> = {}) => ({
  id: 's1',
  title: 'AI Safety Foundations',
  start: '13:00',
  end: '13:40',
  location: 'Hall A',
  tags: ['ai safety'],
  popularity: 0.8,
  ...over,
});
const manifestWith = (...sessions: unknown[]) => ({ sessions });

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isEventKitError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error('expected an error');
}

describe('parseManifest', () => {
  it('accepts the Python Event Kit fixture, including the older features.telemetry', async () => {
    const raw = JSON.parse(
      await readFile(
        new URL('../../../../fixtures/python-eventkit/python-eventkit-agent.json', import.meta.url),
        'utf8',
      ),
    );
    const manifest = parseManifest(raw);
    expect(manifest.sessions).toHaveLength(5);
    expect(manifest.weights).toEqual({ interest: 2, popularity: 0.5, diversity: 0.3 });
    expect(manifest.explain).toEqual({ include_contributions: true });
    expect(manifestSettings(manifest, '/srv').telemetry).toEqual({
      enabled: true,
      file: '/srv/telemetry.jsonl',
      maxSizeBytes: 52428800,
      retention: { maxFiles: 20, maxAgeDays: 30 },
    });
  });

  it('fills defaults for weights, recommend and features', () => {
    const manifest = parseManifest(manifestWith(session()));
    expect(manifest.weights).toEqual({ interest: 2, popularity: 0.5, diversity: 0.3 });
    expect(manifest.recommend.max_sessions_default).toBe(3);
    expect(manifest.features.export).toEqual({ enabled: false, output_dir: 'exports' });
    expect(manifest.features.externalSessions.enabled).toBe(false);
    expect(manifestSettings(manifest, '/srv').export.outputDir).toBe('/srv/exports');
  });

  it('accepts dated sessions and ISO date-times for multi-day events', () => {
    const manifest = parseManifest(
      manifestWith(
        session({ id: 'a', date: '2026-06-10' }),
        session({ id: 'b', start: '2026-06-11T09:00', end: '2026-06-11T09:45' }),
        session({ id: 'c', start: '2026-06-11T23:30:00Z', end: '2026-06-12T00:15:00Z' }),
        session({ id: 'd', start: '2026-06-11T10:00+02:00', end: '10:30' }),
      ),
    );
    expect(manifest.sessions.map((s) => s.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('prefers the top-level telemetry section over features.telemetry', () => {
    const manifest = parseManifest({
      ...manifestWith(session()),
      telemetry: { enabled: false, file: '/var/log/t.jsonl', maxSizeBytes: 0 },
      features: { telemetry: { enabled: true, file: 'old.jsonl' } },
    });
    expect(manifestSettings(manifest).telemetry).toEqual({
      enabled: false,
      file: '/var/log/t.jsonl',
      maxSizeBytes: 0,
      retention: { maxFiles: 20, maxAgeDays: 30 },
    });
  });

  it.each([
    ['both limits', { maxFiles: 5, maxAgeDays: 7 }, { maxFiles: 5, maxAgeDays: 7 }],
    ['only maxFiles', { maxFiles: 3 }, { maxFiles: 3, maxAgeDays: 30 }],
    ['only maxAgeDays', { maxAgeDays: 90 }, { maxFiles: 20, maxAgeDays: 90 }],
    ['0 turns both limits off', { maxFiles: 0, maxAgeDays: 0 }, { maxFiles: 0, maxAgeDays: 0 }],
  ])('reads telemetry retention from agent.json: %s', (_name, telemetry, retention) => {
    const manifest = parseManifest({ ...manifestWith(session()), telemetry });
    expect(manifestSettings(manifest).telemetry.retention).toEqual(retention);
  });

  it('reads retention from the older features.telemetry too', () => {
    const manifest = parseManifest({
      ...manifestWith(session()),
      features: { telemetry: { file: 'old.jsonl', maxFiles: 4, maxAgeDays: 2 } },
    });
    expect(manifestSettings(manifest).telemetry.retention).toEqual({ maxFiles: 4, maxAgeDays: 2 });
  });

  it.each([
    ['safe defaults', {}, { maxFiles: 100, maxAgeDays: 7 }],
    ['both limits', { maxFiles: 10, maxAgeDays: 1 }, { maxFiles: 10, maxAgeDays: 1 }],
    ['0 turns both limits off', { maxFiles: 0, maxAgeDays: 0 }, { maxFiles: 0, maxAgeDays: 0 }],
  ])('reads export retention from features.export: %s', (_name, limits, retention) => {
    const manifest = parseManifest({
      ...manifestWith(session()),
      features: { export: { enabled: true, ...limits } },
    });
    expect(manifestSettings(manifest, '/srv').export).toEqual({
      enabled: true,
      outputDir: '/srv/exports',
      retention,
    });
  });

  it.each([
    ['missing sessions', {}, 'agent.json: sessions is required'],
    ['not an object', [], 'agent.json: must be a JSON object, not an array'],
    [
      'sessions not an array',
      { sessions: {} },
      'agent.json: sessions must be an array, not an object',
    ],
    [
      'popularity out of range',
      manifestWith(
        session(),
        session({ id: 's2' }),
        session({ id: 's3' }),
        session({ id: 's4', popularity: 1.5 }),
      ),
      'agent.json: sessions[3].popularity must be between 0 and 1',
    ],
    [
      'negative popularity',
      manifestWith(session({ popularity: -0.1 })),
      'agent.json: sessions[0].popularity must be between 0 and 1',
    ],
    [
      'popularity as a string',
      manifestWith(session({ popularity: '0.8' })),
      'agent.json: sessions[0].popularity must be a number, not the string "0.8"',
    ],
    [
      'missing title',
      manifestWith(session({ title: undefined })),
      'agent.json: sessions[0].title is required',
    ],
    [
      'empty title',
      manifestWith(session({ title: '  ' })),
      'agent.json: sessions[0].title must not be empty',
    ],
    [
      'tags not an array',
      manifestWith(session({ tags: 'agents' })),
      'agent.json: sessions[0].tags must be an array, not the string "agents"',
    ],
    [
      'tag not a string',
      manifestWith(session({ tags: ['ok', 3] })),
      'agent.json: sessions[0].tags[1] must be a string, not the number 3',
    ],
    [
      'bad start time',
      manifestWith(session({ start: '25:00' })),
      'agent.json: sessions[0].start must be a time "HH:MM" or an ISO date-time such as "2026-03-15T13:00"',
    ],
    [
      'bad end time',
      manifestWith(session({ end: 'noon' })),
      'agent.json: sessions[0].end must be a time "HH:MM" or an ISO date-time such as "2026-03-15T13:00"',
    ],
    [
      'end before start',
      manifestWith(session({ start: '14:00', end: '13:00' })),
      'agent.json: sessions[0].end must be after start (start 14:00, end 13:00)',
    ],
    [
      'end equal to start',
      manifestWith(session({ start: '14:00', end: '14:00' })),
      'agent.json: sessions[0].end must be after start (start 14:00, end 14:00)',
    ],
    [
      'impossible date',
      manifestWith(session({ date: '2026-02-30' })),
      'agent.json: sessions[0].date must be a date "YYYY-MM-DD"',
    ],
    [
      'duplicate ids',
      manifestWith(session(), session()),
      'agent.json: sessions[1].id "s1" is already used by sessions[0]; ids must be unique',
    ],
    [
      'negative weight',
      { ...manifestWith(session()), weights: { interest: -1 } },
      'agent.json: weights.interest must be 0 or more',
    ],
    [
      'top default out of range',
      { ...manifestWith(session()), recommend: { max_sessions_default: 0 } },
      'agent.json: recommend.max_sessions_default must be between 1 and 50',
    ],
    [
      'telemetry.enabled not boolean',
      { ...manifestWith(session()), telemetry: { enabled: 'yes' } },
      'agent.json: telemetry.enabled must be true or false, not the string "yes"',
    ],
    [
      'negative features.export.maxFiles',
      { ...manifestWith(session()), features: { export: { maxFiles: -1 } } },
      'agent.json: features.export.maxFiles must be 0 or more',
    ],
    [
      'fractional features.export.maxAgeDays',
      { ...manifestWith(session()), features: { export: { maxAgeDays: 0.5 } } },
      'agent.json: features.export.maxAgeDays must be a whole number, not the number 0.5',
    ],
    [
      'negative telemetry.maxFiles',
      { ...manifestWith(session()), telemetry: { maxFiles: -1 } },
      'agent.json: telemetry.maxFiles must be 0 or more',
    ],
    [
      'fractional telemetry.maxFiles',
      { ...manifestWith(session()), telemetry: { maxFiles: 2.5 } },
      'agent.json: telemetry.maxFiles must be a whole number, not the number 2.5',
    ],
    [
      'telemetry.maxAgeDays as a string',
      { ...manifestWith(session()), telemetry: { maxAgeDays: '30' } },
      'agent.json: telemetry.maxAgeDays must be a number, not the string "30"',
    ],
    [
      'negative telemetry.maxAgeDays',
      { ...manifestWith(session()), telemetry: { maxAgeDays: -7 } },
      'agent.json: telemetry.maxAgeDays must be 0 or more',
    ],
    [
      'bad time zone',
      { ...manifestWith(session()), event: { timezone: 'Mars/Olympus' } },
      'agent.json: event.timezone must be an IANA time zone such as "Europe/Berlin"',
    ],
  ])('rejects %s with a message naming the field', (_name, json, message) => {
    expect(messageOf(() => parseManifest(json))).toBe(`INVALID_MANIFEST: ${message}`);
  });

  it.each(['Europe/Berlin', 'UTC', 'US/Eastern', 'europe/berlin'])(
    'accepts event.timezone %s, as Intl.DateTimeFormat does (canonical names, aliases, any case)',
    (timezone) => {
      const manifest = parseManifest({ ...manifestWith(session()), event: { timezone } });
      expect(manifest.event?.timezone).toBe(timezone);
    },
  );

  it('takes only zones Intl.DateTimeFormat accepts from the canonical list it checks first', () => {
    const zones = Intl.supportedValuesOf('timeZone');
    expect(zones.length).toBeGreaterThan(300);
    for (const timeZone of zones) {
      expect(() => new Intl.DateTimeFormat('en-US', { timeZone }), timeZone).not.toThrow();
    }
  });

  it('lists up to three problems and counts the rest', () => {
    const bad = manifestWith(
      ...[1, 2, 3, 4, 5].map((n) => session({ id: `s${n}`, popularity: 9 })),
    );
    expect(messageOf(() => parseManifest(bad, 'event.json'))).toBe(
      'INVALID_MANIFEST: event.json: sessions[0].popularity must be between 0 and 1; ' +
        'sessions[1].popularity must be between 0 and 1; sessions[2].popularity must be between 0 and 1 (and 2 more)',
    );
  });
});

describe('the bundled sample event', () => {
  it('ships with the package (files) and resolves from src and dist alike', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(pkg.files).toContain('sample-event');
    expect(path.relative(path.resolve(import.meta.dirname, '../..'), SAMPLE_MANIFEST_PATH)).toBe(
      path.join('sample-event', 'agent.json'),
    );
  });
});

describe('loadManifest', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('eventkit-manifest-');
  });

  it('loads the bundled sample event: 40+ sessions over two days in several rooms and tracks', async () => {
    const loaded = await loadManifest(SAMPLE_MANIFEST_PATH);
    const { sessions } = loaded.manifest;
    expect(sessions.length).toBeGreaterThanOrEqual(40);
    expect(new Set(sessions.map((s) => s.date)).size).toBe(2);
    expect(new Set(sessions.map((s) => s.location)).size).toBeGreaterThanOrEqual(4);
    expect(new Set(sessions.map((s) => s.track)).size).toBeGreaterThanOrEqual(5);
    expect(loaded.dir).toBe(path.dirname(SAMPLE_MANIFEST_PATH));
    const byStart = [...sessions].sort((a, b) =>
      `${a.date}${a.start}`.localeCompare(`${b.date}${b.start}`),
    );
    expect(findConflicts(byStart).length).toBeGreaterThan(5);
    expect(manifestSettings(loaded, dir).telemetry.file).toBe(path.join(dir, 'telemetry.jsonl'));
  });

  it('returns the absolute path and directory, also when given a directory', async () => {
    await writeFile(path.join(dir, 'agent.json'), JSON.stringify(manifestWith(session())));
    const loaded = await loadManifest(dir);
    expect(loaded.path).toBe(path.join(dir, 'agent.json'));
    expect(loaded.dir).toBe(dir);
  });

  it('reports a missing file as MANIFEST_NOT_FOUND', async () => {
    await expect(loadManifest(path.join(dir, 'nope.json'))).rejects.toMatchObject({
      code: 'MANIFEST_NOT_FOUND',
      message: expect.stringContaining(path.join(dir, 'nope.json')),
    });
  });

  it.each([
    [
      'a missing comma',
      '{\n  "sessions": [\n    {"id": "s1" "title": "x"}\n  ]\n}',
      ':3:17: invalid JSON',
    ],
    ['a trailing comma', '{\n  "sessions": [],\n}', ':3:1: invalid JSON'],
    ['truncated input', '{"sessions": [', ':1:15: invalid JSON'],
    ['an empty file', '', ':1:1: invalid JSON'],
  ])('reports invalid JSON with line and column (%s)', async (_name, text, where) => {
    const file = path.join(dir, 'agent.json');
    await writeFile(file, text);
    await expect(loadManifest(file)).rejects.toMatchObject({
      code: 'INVALID_MANIFEST',
      message: expect.stringContaining(`${file}${where}`),
    });
  });

  it('names the file in validation errors', async () => {
    const file = path.join(dir, 'agent.json');
    await writeFile(file, JSON.stringify(manifestWith(session({ popularity: 3 }))));
    await expect(loadManifest(file)).rejects.toThrow(
      `${file}: sessions[0].popularity must be between 0 and 1`,
    );
  });

  it('refuses a manifest larger than the size limit before parsing it', async () => {
    const file = path.join(dir, 'agent.json');
    await writeFile(file, JSON.stringify(manifestWith(session())).padEnd(2048, ' '));
    await expect(loadManifest(file, { maxBytes: 1024 })).rejects.toMatchObject({
      code: 'INVALID_MANIFEST',
      message: expect.stringMatching(/2048 bytes, more than the limit of 1024/),
    });
  });

  it('accepts a UTF-8 byte order mark', async () => {
    const file = path.join(dir, 'agent.json');
    await writeFile(file, `\ufeff${JSON.stringify(manifestWith(session()))}`);
    expect((await loadManifest(file)).manifest.sessions).toHaveLength(1);
  });
});
