import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, writeEvents } from '../test-support/run-cli.js';
import { takeSnapshot } from './snapshot.js';

const NOW = new Date('2024-11-25T12:00:00Z');

describe('takeSnapshot', () => {
  it("counts the last hour's actions with core's folding rule: known, extras up to the cap, other", async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'telemetry.jsonl');
    const actions = ['recommend', 'search', 'search-v2', 'x"} 1', 'other'];
    await writeEvents(
      file,
      actions.map((action, i) => ({
        ts: NOW.getTime() / 1000 - 60 + i,
        action,
        success: true,
        latency_ms: 1,
        payload: {},
        error: null,
      })),
    );
    const fetch = () => Promise.reject(new TypeError('fetch failed'));
    const snapshot = await takeSnapshot({
      fetch,
      url: 'http://127.0.0.1:9',
      files: [file],
      now: NOW,
    });
    const counts = Object.entries(snapshot.lastHour?.summary.actions ?? {}).map(([name, stats]) => [
      name,
      stats.count,
    ]);
    expect(counts).toEqual([
      ['other', 3],
      ['recommend', 1],
      ['search', 1],
    ]);
    expect(snapshot.health).toMatchObject({ url: 'http://127.0.0.1:9/health', state: 'down' });
  });
});
