import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// These tests spawn the built binary, jq and tmux many times; on a loaded 2-core CI machine a
// single test can take several seconds, so the time limits are generous (never a threshold).
export default mergeConfig(
  shared,
  defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000 } }),
);
