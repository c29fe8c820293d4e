import { fileURLToPath } from 'node:url';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Workspace packages are consumed from source in tests (the "@eventkit/source" export condition),
// so no test needs a prior build of core; its WebAssembly scanner is built by a global setup.
export default defineConfig({
  resolve: { conditions: ['@eventkit/source', ...defaultServerConditions] },
  ssr: { resolve: { conditions: ['@eventkit/source', ...defaultServerConditions] } },
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    globalSetup: [
      fileURLToPath(new URL('./packages/core/test-support/wasm-global-setup.ts', import.meta.url)),
    ],
  },
});
