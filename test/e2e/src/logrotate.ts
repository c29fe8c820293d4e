import { spawn } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';

export interface RenderedLogrotate {
  config: string;
  /** `rotate N` of the shipped config (how many archives it keeps), if it says. */
  keep: number | undefined;
  /** Whether the shipped config relies on copytruncate instead of a signal. */
  copytruncate: boolean;
}

/**
 * Renders the shipped logrotate config (deploy/logrotate/event-agent) for a drill: the log path
 * becomes the drill's temp file, the postrotate script signals the drill's agent (instead of
 * systemd), and directives that need system accounts (`su`, `create` owner/group) drop the
 * accounts. Everything else (rotate count, compress, delaycompress, missingok, …) is kept.
 */
export function renderLogrotateConfig(shipped: string, logFile: string, agentPid: number) {
  const lines = shipped.split('\n');
  const out: string[] = [];
  let inScript = false;
  let keep: number | undefined;
  let copytruncate = false;
  for (const raw of lines) {
    const line = raw.trim();
    if (inScript) {
      if (line === 'endscript') {
        out.push(`    kill -HUP ${agentPid}`, '  endscript');
        inScript = false;
      }
      continue;
    }
    if (line.endsWith('{') && !line.startsWith('#')) {
      out.push(`${logFile} {`);
      continue;
    }
    if (line.startsWith('postrotate')) {
      out.push('  postrotate');
      inScript = true;
      continue;
    }
    if (/^(su|olddir|dateformat)\b/.test(line)) continue;
    const create = /^create\s+(\d{3,4})?/.exec(line);
    if (create) {
      out.push(create[1] ? `  create ${create[1]}` : '  create');
      continue;
    }
    const rotate = /^rotate\s+(\d+)/.exec(line);
    if (rotate) keep = Number(rotate[1]);
    if (line === 'copytruncate') copytruncate = true;
    out.push(raw);
  }
  return { config: `${out.join('\n').trimEnd()}\n`, keep, copytruncate } as RenderedLogrotate;
}

/** Writes the rendered config (0644: logrotate refuses group/world-writable configs). */
export async function writeLogrotateConfig(
  shippedPath: string,
  target: string,
  logFile: string,
  agentPid: number,
): Promise<RenderedLogrotate> {
  const rendered = renderLogrotateConfig(await readFile(shippedPath, 'utf8'), logFile, agentPid);
  await writeFile(target, rendered.config);
  await chmod(target, 0o644);
  return rendered;
}

/** Runs the real `logrotate -f -s <state> <config>`; resolves with its exit code and output. */
export function runLogrotate(
  config: string,
  stateFile: string,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('logrotate', ['-f', '-s', stateFile, config], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ code: 127, output: error.message });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, output });
    });
  });
}
