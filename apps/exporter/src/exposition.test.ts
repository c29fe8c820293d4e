import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Registry, type RegistryContentType } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerExporterMetrics } from './metrics.js';
import { createTelemetryTally } from './tally.js';

// The whole exposition of a fixture, compared with a reviewed golden file, then linted by promtool.

const fixture = (name: string) => new URL(`./test-support/fixtures/${name}`, import.meta.url);
const legacy = new URL(
  '../../../fixtures/python-eventkit/python-eventkit-telemetry.jsonl',
  import.meta.url,
);

async function expose(
  files: URL[],
  processMetrics: boolean,
  contentType: RegistryContentType = Registry.PROMETHEUS_CONTENT_TYPE,
): Promise<string> {
  const tally = createTelemetryTally();
  for (const file of files) {
    const text = readFileSync(file);
    let start = 0;
    for (let nl = text.indexOf(10); nl !== -1; nl = text.indexOf(10, start)) {
      tally.countLine(text, start, nl);
      start = nl + 1;
    }
  }
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(contentType);
  registerExporterMetrics({
    registry,
    tally,
    processMetrics,
    now: () => 1_795_861_619_585, // 100 s after the newest fixture event
    probeHealth: async () => 1,
    diskFreeRatio: async () => 0.25,
    files: {
      count: () => 2,
      lagBytes: async () => [
        ['telemetry.jsonl', 0],
        ['telemetry-w2.jsonl', 812],
      ],
    },
  });
  return registry.metrics();
}

describe('exposition of a telemetry fixture', () => {
  it('matches the reviewed golden file (ours + the Python Event Kit lines)', async () => {
    const text = await expose([fixture('mixed.jsonl'), legacy], false);
    if (process.env.UPDATE_GOLDEN) writeFileSync(fixture('mixed.prom'), text);
    expect(text).toBe(readFileSync(fixture('mixed.prom'), 'utf8'));
  });

  it('matches the reviewed OpenMetrics golden file, exemplars included', async () => {
    const text = await expose(
      [fixture('mixed.jsonl'), legacy],
      false,
      Registry.OPENMETRICS_CONTENT_TYPE,
    );
    if (process.env.UPDATE_GOLDEN) writeFileSync(fixture('mixed.openmetrics.txt'), text);
    expect(text).toBe(readFileSync(fixture('mixed.openmetrics.txt'), 'utf8'));
  });

  it('passes promtool check metrics (our metrics; prom-client names a gauge nodejs_*_total)', async () => {
    const text = await expose([fixture('mixed.jsonl'), legacy], true);
    const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(result.error).toBeUndefined();
    const problems = `${result.stdout}${result.stderr}`.split('\n').filter(Boolean);
    expect(problems.filter((line) => !line.startsWith('nodejs_'))).toEqual([]);
    const ours = await expose([fixture('mixed.jsonl'), legacy], false);
    const strict = spawnSync('promtool', ['check', 'metrics'], { input: ours, encoding: 'utf8' });
    expect(`${strict.stdout}${strict.stderr}`).toBe('');
    expect(strict.status).toBe(0);
  });
});
