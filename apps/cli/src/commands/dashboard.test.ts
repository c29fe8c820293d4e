import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI,
  createTempDir,
  makeEvents,
  runCli,
  sh,
  writeEvents,
} from '../test-support/run-cli.js';

// A private tmux server (own socket) so the test never touches anyone else's sessions.
const SOCKET = `eventkit-cli-test-${process.pid}`;
let dir: string;
let cleanup: () => Promise<void>;
let server: Server;
let url: string;

function tmux(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('tmux', ['-u', '-L', SOCKET, ...args], (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
}

/** Captures the pane until `done` holds (the dashboard redraws on its own schedule). */
async function waitForPane(session: string, done: (screen: string) => boolean): Promise<string> {
  let screen = '';
  for (let attempt = 0; attempt < 100; attempt += 1) {
    screen = await tmux('capture-pane', '-p', '-t', session);
    if (done(screen)) return screen;
    await delay(100);
  }
  throw new Error(`the pane never showed what was expected; last screen:\n${screen}`);
}

async function startDashboard(session: string, args: string): Promise<void> {
  const command = `NO_COLOR=1 ${process.execPath} ${CLI} dashboard ${args}; echo "EXITED:$?"; sleep 600`;
  await tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', '-c', dir, command);
}

beforeAll(async () => {
  ({ dir, cleanup } = await createTempDir());
  await writeEvents(
    path.join(dir, 'telemetry.jsonl'),
    makeEvents(900, Date.now() / 1000 - 1800, 2, 5),
  );
  server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({ status: 'healthy', timestamp: 'x', version: '1.0.0', uptime_seconds: 3600 }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await tmux('kill-server').catch(() => undefined);
  await new Promise((resolve) => server.close(resolve));
  await cleanup();
});

describe('eventkit dashboard (in tmux)', () => {
  it('prints a single frame when stdout is not a terminal', async () => {
    const run = await runCli(['dashboard', '--url', url], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('=== Event Agent Dashboard ===');
    expect(run.stdout).toMatch(/Requests \(last hour\):\s+900/);
    expect(run.stdout).not.toContain('\x1b[?1049h');
    // The seed's dashboard.sh line, on the same file.
    const seed = await sh(
      `tail -100 telemetry.jsonl | jq -r '.latency_ms' | awk '{sum+=$1; n++} END {printf "%.2fms\\n", sum/n}'`,
      dir,
    );
    expect(run.stdout).toContain(`Avg Latency (last 100):  ${seed.trim()}`);
  });

  it("reads every instance's file by default: the main file and each worker's", async () => {
    const fleet = path.join(dir, 'fleet');
    await mkdir(fleet);
    const start = Date.now() / 1000 - 1800;
    await writeEvents(path.join(fleet, 'telemetry.jsonl'), makeEvents(300, start, 3, 7));
    await writeEvents(
      path.join(fleet, 'telemetry-w2.jsonl'),
      makeEvents(200, start + 1, 4, 8).map((event) => ({ ...event, instance: 'host-w2' })),
    );
    const run = await runCli(['dashboard', '--url', url], { cwd: fleet });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Telemetry:      telemetry.jsonl + 1 more (telemetry-w2.jsonl)');
    expect(run.stdout).toMatch(/Requests \(last hour\):\s+500/);
    // The newest 100 requests across both files, by time.
    const newest = await sh(
      `cat telemetry.jsonl telemetry-w2.jsonl | jq -s -r 'sort_by(.ts) | .[-100:] | map(.latency_ms) | add / length' | awk '{printf "%.2fms\\n", $1}'`,
      fleet,
    );
    expect(run.stdout).toContain(`Avg Latency (last 100):  ${newest.trim()}`);
    const one = await runCli(['dashboard', '--url', url, '--file', 'telemetry.jsonl'], {
      cwd: fleet,
    });
    expect(one.stdout).toMatch(/Requests \(last hour\):\s+300/);
  });

  it('renders status, last-hour counts, per-action p95 and sparklines, and quits on q', async () => {
    await startDashboard('live', `--url ${url} --interval 1`);
    const screen = await waitForPane('live', (text) => text.includes('ACTION'));
    expect(screen).toContain('=== Event Agent Dashboard ===');
    expect(screen).toContain('Service Status: ● healthy');
    expect(screen).toMatch(/Requests \(last hour\):\s+900/);
    expect(screen).toMatch(/Errors \(last hour\):\s+\d+ \(\d+\.\d%\)/);
    expect(screen).toMatch(/Avg Latency \(last 100\):\s+\d+\.\d\dms/);
    expect(screen).toMatch(/Requests\/min \(60 min\)\s+[▁▂▃▄▅▆▇█]{10,}/);
    expect(screen).toMatch(/recommend\s+[\d,]+\s+\d+\s+[\d.]+%\s+[\d.]+\s+[\d.]+/);
    await tmux('send-keys', '-t', 'live', 'q');
    const after = await waitForPane('live', (text) => text.includes('EXITED:'));
    expect(after).toContain('EXITED:0');
    // The alternate screen is gone: the dashboard no longer shows on the normal screen.
    expect(after).not.toContain('=== Event Agent Dashboard ===');
  });

  it('degrades gracefully when the server is down and the file is missing', async () => {
    await startDashboard('degraded', '--url http://127.0.0.1:9 --file missing.jsonl --interval 1');
    const screen = await waitForPane('degraded', (text) => text.includes('Telemetry:'));
    expect(screen).toContain('● DOWN');
    expect(screen).toMatch(/missing\.jsonl\s+not found/);
    await tmux('send-keys', '-t', 'degraded', 'q');
    expect(await waitForPane('degraded', (text) => text.includes('EXITED:'))).toContain('EXITED:0');
  });
});

describe('progress on stderr (in tmux)', () => {
  it('draws a progress bar for a long read on a terminal and clears it, stdout untouched', async () => {
    await writeEvents(path.join(dir, 'big.jsonl'), makeEvents(200_000, 1_732_540_000, 0.01, 6));
    const log = path.join(dir, 'pane.log');
    const command = `sleep 1; NO_COLOR=1 ${process.execPath} ${CLI} query --min-latency 100000000 big.jsonl; echo "EXITED:$?"; sleep 600`;
    await tmux('new-session', '-d', '-s', 'progress', '-x', '120', '-y', '10', '-c', dir, command);
    // Everything written to the pane, including the bar that is cleared afterwards.
    await tmux('pipe-pane', '-o', '-t', 'progress', `cat >> ${log}`);
    const screen = await waitForPane('progress', (text) => text.includes('EXITED:'));
    expect(screen).toContain('EXITED:0');
    expect(screen).not.toContain('reading [');
    const written = await readFile(log, 'utf8');
    expect(written).toMatch(/reading \[[=-]+\] \d+% \| \d+\/\d+ lines \(~\)/);
  });
});
