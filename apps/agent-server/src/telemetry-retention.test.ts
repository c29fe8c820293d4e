import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SAMPLE_MANIFEST_PATH } from '@eventkit/core/manifest';
import { listRotatedFiles } from '@eventkit/core/telemetry';
import { beforeEach, describe, expect, it } from 'vitest';
import { readServerConfig } from './config.js';
import { startServer } from './server.js';
import { tempDir } from './test-support/temp-dir.js';

describe("agent.json's telemetry retention reaches the server's writer", () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('eventkit-retention-');
  });

  /** Starts the agent with `telemetry` overridden, makes `requests` requests, shuts it down. */
  async function serveRequests(telemetry: Record<string, unknown>, requests: number) {
    const manifest = JSON.parse(await readFile(SAMPLE_MANIFEST_PATH, 'utf8'));
    manifest.telemetry = telemetry;
    const manifestPath = path.join(dir, 'agent.json');
    await writeFile(manifestPath, JSON.stringify(manifest));
    const result = readServerConfig(
      ['--port', '0', '--manifest', manifestPath],
      { LOG_FILE: '' },
      dir,
    );
    if (result.help) throw new Error('unexpected --help');
    const server = await startServer(result.config, { console: { write: () => {} } });
    try {
      for (let i = 0; i < requests; i++) {
        const response = await fetch(`${server.url}/recommend?interests=agents&top=1`);
        expect(response.status).toBe(200);
        await response.arrayBuffer();
      }
    } finally {
      await server.shutdown('test');
    }
    return server.runtime.telemetry.stats;
  }

  // maxSizeBytes 1: every line gets a file of its own, so each request after the first rotates.
  it.each([
    ['maxFiles 2 keeps two archives', { maxFiles: 2, maxAgeDays: 0 }, 2],
    ['maxFiles 0 turns the count limit off', { maxFiles: 0, maxAgeDays: 0 }, 7],
    ['the default keeps up to 20', {}, 7],
  ])('%s', async (_name, retention, archives) => {
    const file = path.join(dir, 'telemetry.jsonl');
    const stats = await serveRequests({ file, maxSizeBytes: 1, ...retention }, 8);
    expect(stats.written).toBe(8);
    expect(stats.rotations).toBe(7);
    expect(await listRotatedFiles(file)).toHaveLength(archives);
  });
});
