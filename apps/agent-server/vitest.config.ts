import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// OpenTelemetry's packages map the "module" condition to ES builds whose relative imports have
// no file extension, which Node cannot load once Vite externalises them: resolve as Node does.
const conditions = ['@eventkit/source', ...defaultServerConditions.filter((c) => c !== 'module')];

export default defineConfig({
  ...shared,
  resolve: { ...shared.resolve, conditions },
  ssr: { ...shared.ssr, resolve: { ...shared.ssr?.resolve, conditions } },
});
