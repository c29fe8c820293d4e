import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Workspace packages are consumed from source in tests (the "@eventkit/source" export condition),
// so no test needs a prior build of core. Without a build, summaries take their JavaScript path
// instead of the WebAssembly kernel (CI builds first, so it tests both).
export default defineConfig({
  resolve: { conditions: ['@eventkit/source', ...defaultServerConditions] },
  ssr: { resolve: { conditions: ['@eventkit/source', ...defaultServerConditions] } },
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
