import { once } from 'node:events';
import { EventKitError } from '@eventkit/core';
import type { SonicBoomOpts, SonicBoom as SonicBoomStream } from 'sonic-boom';
import sonicBoom from 'sonic-boom';
import { createLineBatcher } from './line-batcher.js';
import {
  createLogTimeFormatter,
  escapeLogText,
  formatLogLine,
  isLogLevel,
  LOG_LEVELS,
  type LogLevel,
} from './log-format.js';

/** Anything with `write(string)`: `process.stderr`, a test's array sink, a socket. */
export interface LogSink {
  write(chunk: string): unknown;
  /** Called by the logger's `flushSync()` and `close()` when present. */
  flushSync?(): void;
}

/**
 * A sonic-boom stream in buffer mode: each batch is encoded to UTF-8 once, where string mode
 * measures every chunk's byte length again (and the logger once more, for `flush()`). Its types
 * only list `write(string)`.
 */
type ByteStream = Omit<SonicBoomStream, 'write'> & { write(bytes: Buffer): boolean };

function openByteStream(options: Omit<SonicBoomOpts, 'contentMode'>): ByteStream {
  return new sonicBoom.SonicBoom({ ...options, contentMode: 'buffer' }) as unknown as ByteStream;
}

/**
 * stderr written asynchronously in batches (sonic-boom on fd 2), for servers: a synchronous
 * `process.stderr` costs a system call per line on the request path. Flushed synchronously by
 * the logger's `close()`/`flushSync()`; fd 2 itself is never closed.
 *
 * @example
 * const logger = createLogger({ name: 'event_agent', console: createStderrSink() });
 */
export function createStderrSink({
  maxBufferBytes = 16 * 1024 * 1024,
  batchMs = 0,
}: {
  maxBufferBytes?: number;
  /** How long lines may gather before they are written together; 0 = end of the loop turn. */
  batchMs?: number;
} = {}): LogSink {
  const stream = openByteStream({ fd: 2, sync: false, maxLength: maxBufferBytes });
  stream.on('error', () => {
    // stderr gone (closed pipe): nothing left to tell, and the log file still has every line.
  });
  const batcher = createLineBatcher((chunk) => stream.write(Buffer.from(chunk)), batchMs);
  return {
    write: (chunk) => batcher.add(chunk),
    flushSync: () => {
      try {
        batcher.flush();
        stream.flushSync();
      } catch {
        // Not ready or already broken: nothing more can be done on stderr.
      }
    },
  };
}

export interface LoggerOptions {
  /** `%(name)s` in every line, e.g. `event_agent`. */
  name: string;
  /**
   * The process's name (`EVENTKIT_INSTANCE`, e.g. `web1-w2`), written after the logger's name
   * as `event_agent[web1-w2]`: one token, so the line keeps its four ` - ` fields.
   */
  instance?: string;
  /** Lowest level written; case-insensitive. */
  level?: LogLevel | Lowercase<LogLevel>;
  /** Log file, appended to asynchronously (sonic-boom); parent directories are created. */
  file?: string;
  /** Second destination, like Python's StreamHandler; `false` for none. */
  console?: LogSink | false;
  now?: () => Date;
  /** Bytes the file destination may hold in memory while the disk is slow; beyond that lines are dropped. */
  maxBufferBytes?: number;
  /** Called when the log file cannot be opened or written; default: one line on the console sink. */
  onError?: (error: Error) => void;
  /**
   * How long lines may gather in memory before they go to the file together: 0 = at the end of
   * the event-loop turn. A busy server saves a file write per turn with a few milliseconds;
   * `flush()`, `flushSync()` and `close()` write what is gathered at once.
   */
  fileBatchMs?: number;
}

export interface Logger {
  readonly name: string;
  readonly level: LogLevel;
  isEnabled(level: LogLevel): boolean;
  log(level: LogLevel, message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  critical(message: string): void;
  /** A logger named `<name>.<suffix>` sharing this one's level and destinations. */
  child(suffix: string): Logger;
  /** Reopens the log file by path (after logrotate renamed it); call on SIGHUP. */
  reopen(): void;
  /** Resolves once every line written so far is in the file. */
  flush(): Promise<void>;
  /** Last-resort synchronous flush for fatal exits; prefer `close()`. */
  flushSync(): void;
  /** Writes what is buffered and closes the file; later lines go to the console only. */
  close(): Promise<void>;
}

/** Reads a level name as operators type it (`info`, `WARNING`); anything else is an error naming the choices. */
export function parseLogLevel(raw: string, source = 'log level'): LogLevel {
  const upper = raw.trim().toUpperCase();
  if (isLogLevel(upper)) return upper;
  throw new EventKitError(
    'INVALID_INPUT',
    `${source} "${raw}" is not one of ${Object.keys(LOG_LEVELS).join(', ')}`,
  );
}

interface Destinations {
  write(line: string): void;
  reopen(): void;
  flush(): Promise<void>;
  flushSync(): void;
  close(): Promise<void>;
}

function createDestinations(
  options: Required<Pick<LoggerOptions, 'maxBufferBytes' | 'fileBatchMs'>> & {
    file: string | undefined;
    console: LogSink | false;
    onError: (error: Error) => void;
  },
): Destinations {
  const { file, console: consoleSink } = options;
  let stream: ByteStream | undefined;
  // Bytes handed to sonic-boom and not yet reported written: what flush() waits for.
  let pending = 0;
  let failed = false;
  // sonic-boom drops a reopen that is still waiting for an in-flight write when end() comes
  // first (and then never closes), so close() waits for a requested reopen to finish.
  let reopening: Promise<unknown> | undefined;
  const batcher = createLineBatcher((chunk) => {
    if (!stream) return;
    const bytes = Buffer.from(chunk);
    pending += bytes.length;
    stream.write(bytes);
  }, options.fileBatchMs);
  const handOver = batcher.flush;
  if (file !== undefined) {
    stream = openByteStream({
      dest: file,
      mkdir: true,
      append: true,
      sync: false,
      maxLength: options.maxBufferBytes,
    });
    stream.on('write', (n: number) => {
      pending = Math.max(0, pending - n);
    });
    stream.on('drop', (data: Buffer) => {
      pending = Math.max(0, pending - data.length);
    });
    stream.on('ready', () => {
      failed = false;
    });
    stream.on('error', (error: Error) => {
      failed = true;
      options.onError(error);
    });
  }

  return {
    write(line) {
      if (stream) batcher.add(line);
      if (consoleSink) consoleSink.write(line);
    },
    reopen() {
      handOver();
      if (!stream) return;
      const current = stream;
      reopening = once(current, 'ready').then(
        () => undefined,
        () => undefined,
      );
      current.reopen();
    },
    async flush() {
      handOver();
      while (stream && pending > 0 && !failed) {
        const settled = new AbortController();
        try {
          // events.once rejects on 'error', which ends the wait as well.
          await Promise.race([
            once(stream, 'drain', { signal: settled.signal }),
            once(stream, 'close', { signal: settled.signal }),
          ]);
        } catch {
          return;
        } finally {
          settled.abort();
        }
      }
    },
    flushSync() {
      try {
        handOver();
        stream?.flushSync();
      } catch {
        // Not open yet or already closed: nothing we can add on a fatal path.
      }
      if (consoleSink) consoleSink.flushSync?.();
    },
    async close() {
      if (consoleSink) consoleSink.flushSync?.();
      handOver();
      const closing = stream;
      stream = undefined;
      if (!closing) return;
      if (failed) {
        closing.destroy();
        return;
      }
      if (reopening) await reopening;
      const closed = once(closing, 'close');
      closing.end();
      await closed;
    },
  };
}

/**
 * A logger writing Python's `logging` format to a file and a console stream, safe for user input
 * (control characters are escaped) and for logrotate (`reopen()` on SIGHUP).
 *
 * @example
 * const logger = createLogger({ name: 'event_agent', level: 'INFO', file: '/var/log/event_agent.log' });
 * logger.info('Serving HTTP on port 8000');
 * // 2024-03-15 08:30:00,123 - event_agent - INFO - Serving HTTP on port 8000
 * // (with `instance: 'web1-w2'`: `… - event_agent[web1-w2] - INFO - …`)
 * process.on('SIGHUP', () => logger.reopen());
 */
export function createLogger({
  name,
  instance,
  level = 'INFO',
  file,
  console: consoleSink = process.stderr,
  now = () => new Date(),
  maxBufferBytes = 16 * 1024 * 1024,
  onError,
  fileBatchMs = 0,
}: LoggerOptions): Logger {
  const threshold = parseLogLevel(level);
  let reported = false;
  const destinations = createDestinations({
    file,
    console: consoleSink,
    maxBufferBytes,
    fileBatchMs,
    onError:
      onError ??
      ((error) => {
        if (reported || !consoleSink) return;
        reported = true;
        consoleSink.write(
          formatLogLine(now(), name, 'ERROR', `Cannot write log file ${file}: ${error.message}`),
        );
      }),
  });

  const logTime = createLogTimeFormatter();
  const make = (loggerName: string): Logger => {
    // formatLogLine's format, with the name escaped once and the time prefix cached per second.
    const infix = ` - ${escapeLogText(loggerName)}${instance ? `[${escapeLogText(instance)}]` : ''} - `;
    const log = (lvl: LogLevel, message: string) => {
      if (LOG_LEVELS[lvl] < LOG_LEVELS[threshold]) return;
      destinations.write(`${logTime(now())}${infix}${lvl} - ${escapeLogText(message)}\n`);
    };
    return {
      name: loggerName,
      level: threshold,
      isEnabled: (lvl) => LOG_LEVELS[lvl] >= LOG_LEVELS[threshold],
      log,
      debug: (message) => log('DEBUG', message),
      info: (message) => log('INFO', message),
      warning: (message) => log('WARNING', message),
      error: (message) => log('ERROR', message),
      critical: (message) => log('CRITICAL', message),
      child: (suffix) => make(`${loggerName}.${suffix}`),
      reopen: () => destinations.reopen(),
      flush: () => destinations.flush(),
      flushSync: () => destinations.flushSync(),
      close: () => destinations.close(),
    };
  };
  return make(name);
}
