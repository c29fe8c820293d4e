import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startExporter } from './exporter-process.js';
import { freePort } from './processes.js';
import { validLine } from './test-support/telemetry-arbitraries.js';
import { tempDir } from './test-support/temp-dir.js';

const lines = (from: number, count: number) =>
  `${Array.from({ length: count }, (_, i) => validLine(from + i)).join('\n')}\n`;

// Found by the drill: after a SIGKILL the exporter restores its last checkpoint (up to
// --checkpoint-interval old) and serves those older, lower counters until its first poll has
// re-read the lines after it, so Prometheus sees event_agent_requests_total go down: a counter
// reset, which rate() and increase() turn into a spike. Counters must never go down across a
// restart (DESIGN.md: "Prometheus never sees a counter reset ... even after SIGKILL").
describe('exporter restart after SIGKILL (built binary)', () => {
  it('never serves lower counters than before the kill, even from a stale checkpoint', async () => {
    const dir = await tempDir('eventkit-exporter-restart-');
    const file = path.join(dir, 'telemetry.jsonl');
    const stateFile = path.join(dir, 'state.json');
    const port = await freePort();
    // No periodic checkpoint: the only one is written by the SIGTERM below.
    const options = {
      stateFile,
      port,
      pollIntervalMs: 250,
      args: ['--checkpoint-interval', '3600000'],
    };
    await writeFile(file, lines(0, 1000));

    const first = await startExporter(file, options);
    await first.waitForLines(1000);
    expect(await first.stop('SIGTERM')).toBe(0);

    const second = await startExporter(file, options);
    await appendFile(file, lines(1000, 2000));
    await second.waitForLines(3000);
    expect(await second.stop('SIGKILL')).toBe('SIGKILL');

    const third = await startExporter(file, options);
    try {
      const firstScrape = await third.scrape();
      expect(firstScrape.get('event_agent_exporter_lines_total')).toBeGreaterThanOrEqual(3000);
      // ...and it still neither loses nor double counts once caught up.
      const caughtUp = await third.waitForLines(3000);
      const requests = [...caughtUp]
        .filter(([key]) => key.startsWith('event_agent_requests_total{'))
        .reduce((sum, [, value]) => sum + value, 0);
      expect(requests).toBe(3000);
    } finally {
      await third.stop();
    }
  });
});
