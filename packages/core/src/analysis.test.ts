import { describe, expect, it } from 'vitest';
import * as analysis from './analysis.js';
import * as core from './index.js';

describe('@eventkit/core/analysis', () => {
  it('exports the same bindings as the main entry (one module instance each)', () => {
    const main = new Map(Object.entries(core));
    const subpath = Object.entries(analysis);
    expect(subpath.map(([name]) => name).sort()).toEqual([
      'EXACT_SAMPLE_LIMIT',
      'SKETCH_RELATIVE_ACCURACY',
      'calculateMetrics',
      'createLatencySketch',
      'createSummaryBuilder',
      'latencySketchFromJSON',
      'readTelemetry',
      'resolveTelemetryFiles',
      'summarizeTelemetry',
    ]);
    for (const [name, value] of subpath) expect(main.get(name), name).toBe(value);
  });
});
