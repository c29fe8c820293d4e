import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogTimeFormatter, escapeLogText, formatLogTime } from './log-format.js';
import { createLogger, type LogSink, parseLogLevel } from './logger.js';

const LINE =
  /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} - [^\n]+ - (DEBUG|INFO|WARNING|ERROR|CRITICAL) - .*$/;
const fixedNow = () => new Date(2024, 2, 15, 8, 30, 0, 123);

function memorySink(): LogSink & { lines: () => string[] } {
  const chunks: string[] = [];
  return {
    write: (chunk: string) => chunks.push(chunk),
    lines: () => chunks.join('').split('\n').filter(Boolean),
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'eventkit-logger-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const fileLines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('formatLogTime', () => {
  it('prints local time like Python asctime, milliseconds after a comma', () => {
    expect(formatLogTime(new Date(2024, 2, 15, 8, 30, 0, 123))).toBe('2024-03-15 08:30:00,123');
    expect(formatLogTime(new Date(2025, 10, 5, 23, 4, 9, 7))).toBe('2025-11-05 23:04:09,007');
  });
});

describe('createLogTimeFormatter', () => {
  it('formats like formatLogTime across seconds, minutes, days and back in time', () => {
    const logTime = createLogTimeFormatter();
    const start = new Date(2024, 11, 31, 23, 59, 58, 990).getTime();
    const steps = [0, 5, 9, 10, 99, 100, 1009, 1010, 2011, 60_000, -3_600_000, 7, 0];
    let t = start;
    for (const step of steps) {
      t += step;
      expect(logTime(new Date(t))).toBe(formatLogTime(new Date(t)));
    }
  });
});

describe('createLogger', () => {
  it('writes the seed line format to the console stream', () => {
    const sink = memorySink();
    const logger = createLogger({ name: 'event_agent', console: sink, now: fixedNow });
    logger.info('Serving HTTP on port 8000');
    expect(sink.lines()).toEqual([
      '2024-03-15 08:30:00,123 - event_agent - INFO - Serving HTTP on port 8000',
    ]);
  });

  it('names the instance after the logger, its children included, as one token', () => {
    const sink = memorySink();
    const logger = createLogger({
      name: 'event_agent',
      instance: 'web1-w2',
      console: sink,
      now: fixedNow,
    });
    logger.info('Serving HTTP on port 8000');
    logger.child('graph').warning('slow');
    expect(sink.lines()).toEqual([
      '2024-03-15 08:30:00,123 - event_agent[web1-w2] - INFO - Serving HTTP on port 8000',
      '2024-03-15 08:30:00,123 - event_agent.graph[web1-w2] - WARNING - slow',
    ]);
  });

  it.each([
    ['DEBUG', ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']],
    ['INFO', ['INFO', 'WARNING', 'ERROR', 'CRITICAL']],
    ['warning', ['WARNING', 'ERROR', 'CRITICAL']],
    ['ERROR', ['ERROR', 'CRITICAL']],
    ['CRITICAL', ['CRITICAL']],
  ] as const)('at level %s writes only %j', (level, expected) => {
    const sink = memorySink();
    const logger = createLogger({ name: 'x', level, console: sink, now: fixedNow });
    logger.debug('m');
    logger.info('m');
    logger.warning('m');
    logger.error('m');
    logger.critical('m');
    expect(sink.lines().map((line) => line.split(' - ')[2])).toEqual(expected);
  });

  it('names children after their parent, Python style', () => {
    const sink = memorySink();
    createLogger({ name: 'event_agent', console: sink, now: fixedNow }).child('http').warning('w');
    expect(sink.lines()).toEqual(['2024-03-15 08:30:00,123 - event_agent.http - WARNING - w']);
  });

  it('rejects an unknown level, naming the choices', () => {
    expect(() => parseLogLevel('verbose', 'LOG_LEVEL')).toThrow(
      'LOG_LEVEL "verbose" is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL',
    );
  });

  it.each([
    ['LF', 'x\n2024-03-15 08:30:00,123 - event_agent - ERROR - forged'],
    ['CRLF', 'x\r\n2024-03-15 08:30:00,123 - event_agent - ERROR - forged'],
    ['CR', 'x\r2024-03-15 08:30:00,123 - event_agent - ERROR - forged'],
    ['NEL', 'x\u00852024-03-15 08:30:00,123 - event_agent - ERROR - forged'],
    ['LINE SEPARATOR', 'x\u20282024-03-15 08:30:00,123 - event_agent - ERROR - forged'],
    ['vertical tab and form feed', 'x\u000b\u000cforged'],
    ['terminal escape', 'x\u001b[1A\u001b[2Kforged'],
    ['NUL', 'x\u0000forged'],
  ])('cannot be made to forge a line with %s in the message', async (_label, input) => {
    const file = join(dir, 'agent.log');
    const logger = createLogger({ name: 'event_agent', file, console: false, now: fixedNow });
    logger.info(`Request started: recommend interests=${input}`);
    await logger.close();
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')).toHaveLength(2); // one line and the final newline
    expect(text.slice(0, -1)).toMatch(LINE);
    const unsafe = [...text.slice(0, -1)].filter((ch) => {
      const code = ch.charCodeAt(0);
      return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
    });
    expect(unsafe).toEqual([]);
    expect(text).toContain(' - INFO - Request started: recommend interests=x\\');
  });

  it('escapes control characters as visible text', () => {
    expect(escapeLogText('a\nb\rc\td\u001be\u2028')).toBe('a\\nb\\rc\\td\\u001be\\u2028');
  });

  it("keeps the seed's grep ERROR | awk -F ' - ' '{print $NF}' working", async () => {
    const file = join(dir, 'agent.log');
    const logger = createLogger({ name: 'event_agent', file, console: false });
    logger.info('Serving HTTP on port 8000');
    logger.error('Failed to load manifest');
    logger.error('[4bf92f35] Request failed: boom\nERROR injected');
    logger.warning('Graph API rate limit, retrying');
    await logger.close();
    const out = execFileSync(
      'sh',
      [
        '-c',
        `grep ERROR "$1" | awk -F ' - ' '{print $NF}' | sort | uniq -c | sort -rn`,
        'sh',
        file,
      ],
      { encoding: 'utf8' },
    );
    expect(
      out
        .trim()
        .split('\n')
        .map((line) => line.trim()),
    ).toEqual(['1 [4bf92f35] Request failed: boom\\nERROR injected', '1 Failed to load manifest']);
  });

  it('writes to the file and the console, creating parent directories', async () => {
    const file = join(dir, 'nested', 'deeper', 'agent.log');
    const sink = memorySink();
    const logger = createLogger({ name: 'event_agent', file, console: sink, now: fixedNow });
    logger.info('one');
    logger.error('two');
    await logger.flush();
    expect(fileLines(file)).toEqual(sink.lines());
    expect(fileLines(file)).toHaveLength(2);
    await logger.close();
  });

  it('appends to an existing file', async () => {
    const file = join(dir, 'agent.log');
    writeFileSync(file, 'earlier line\n');
    const logger = createLogger({ name: 'n', file, console: false, now: fixedNow });
    logger.info('later');
    await logger.close();
    expect(fileLines(file)).toEqual(['earlier line', '2024-03-15 08:30:00,123 - n - INFO - later']);
  });

  it('loses no line of a burst when closed', async () => {
    const file = join(dir, 'agent.log');
    const logger = createLogger({ name: 'n', file, console: false });
    for (let i = 0; i < 20_000; i++) logger.info(`line ${i}`);
    await logger.close();
    const lines = fileLines(file);
    expect(lines).toHaveLength(20_000);
    expect(lines[19_999]).toMatch(/ - line 19999$/);
  });

  it.each([0, 5])(
    'with fileBatchMs %s gathers lines and writes them all, in order, on flush and close',
    async (fileBatchMs) => {
      const file = join(dir, 'agent.log');
      const logger = createLogger({ name: 'n', file, console: false, fileBatchMs });
      for (let i = 0; i < 3; i++) logger.info(`line ${i}`);
      await vi.waitFor(() => expect(fileLines(file)).toHaveLength(3));
      logger.info('line 3');
      await logger.flush();
      expect(fileLines(file).map((l) => l.split(' - ').at(-1))).toEqual([
        'line 0',
        'line 1',
        'line 2',
        'line 3',
      ]);
      logger.info('line 4');
      await logger.close();
      expect(fileLines(file)).toHaveLength(5);
    },
  );

  it('flush() resolves once every line so far is on disk', async () => {
    const file = join(dir, 'agent.log');
    const logger = createLogger({ name: 'n', file, console: false });
    for (let i = 0; i < 5_000; i++) logger.info(`line ${i}`);
    await logger.flush();
    expect(fileLines(file)).toHaveLength(5_000);
    await logger.close();
  });

  it('flush() counts bytes, not characters: multi-byte lines are all on disk too', async () => {
    const file = join(dir, 'agent.log');
    const logger = createLogger({ name: 'n', file, console: false, fileBatchMs: 5 });
    for (let i = 0; i < 2_000; i++) logger.info(`Zoë's café ☕ ${i} 🎉`);
    await logger.flush();
    const lines = fileLines(file);
    expect(lines).toHaveLength(2_000);
    expect(lines.at(-1)).toMatch(/ - INFO - Zoë's café ☕ 1999 🎉$/);
    await logger.close();
  });

  it('reopen() continues in a new file after the old one was renamed (logrotate)', async () => {
    const file = join(dir, 'agent.log');
    const logger = createLogger({ name: 'n', file, console: false });
    logger.info('before rotation');
    await logger.flush();
    renameSync(file, `${file}.1`);
    logger.info('still the old file until reopen');
    logger.reopen();
    logger.info('after rotation');
    await logger.close();
    const all = [...fileLines(`${file}.1`), ...fileLines(file)];
    expect(all.map((line) => line.split(' - ').at(-1))).toEqual([
      'before rotation',
      'still the old file until reopen',
      'after rotation',
    ]);
    expect(fileLines(file).at(-1)).toMatch(/after rotation$/);
  });

  it('flushes a console sink that can flush when closed', async () => {
    let flushed = 0;
    const logger = createLogger({
      name: 'n',
      console: { write: () => true, flushSync: () => flushed++ },
    });
    logger.info('x');
    await logger.close();
    expect(flushed).toBe(1);
  });

  it('reports an unwritable log file once and keeps the console stream working', async () => {
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    const sink = memorySink();
    const errors: Error[] = [];
    const logger = createLogger({
      name: 'n',
      file: join(blocker, 'agent.log'),
      console: sink,
      onError: (error) => errors.push(error),
    });
    logger.info('still visible');
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0));
    await logger.flush();
    expect(sink.lines().at(-1)).toMatch(/ - INFO - still visible$/);
    await logger.close();
  });
});
