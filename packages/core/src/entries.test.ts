import { describe, expect, it } from 'vitest';
import * as analysis from './analysis.js';
import * as core from './index.js';
import * as manifest from './manifest.js';
import * as telemetry from './telemetry.js';

const entries = {
  '@eventkit/core': core,
  '@eventkit/core/telemetry': telemetry,
  '@eventkit/core/analysis': analysis,
  '@eventkit/core/manifest': manifest,
};

describe("core's entry points", () => {
  it('share one module instance: a name exported by two entries is the same binding', () => {
    const seen = new Map<string, unknown>();
    for (const entry of Object.values(entries)) {
      for (const [name, value] of Object.entries(entry)) {
        if (seen.has(name)) expect(value, name).toBe(seen.get(name));
        seen.set(name, value);
      }
    }
  });

  // 44 after the simplification, +2 for the fleet: where each worker's telemetry file lives,
  // +1 for exact percentiles: the bound on latencies kept, which the CLI's help and output name.
  it('keep the public API short: at most ~45 values across all entries', () => {
    const names = new Set(Object.values(entries).flatMap((entry) => Object.keys(entry)));
    expect(names.size).toBeLessThanOrEqual(47);
  });
});
