import { defineConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// The drill and the fuzz pass start real processes (agent, exporter, Prometheus, logrotate):
// generous timeouts, and one file at a time so they do not compete for the CPU.
export default defineConfig({
  ...shared,
  test: {
    ...shared.test,
    testTimeout: 90_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
