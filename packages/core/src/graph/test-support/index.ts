// Test-only entry point (`@eventkit/core/testing`): resolved from source under the
// "@eventkit/source" condition, never built or published.

export type { ImportLog } from '../../test-support/import-log.js';
export { createImportLog } from '../../test-support/import-log.js';
export { run, tmpfsUnavailable } from '../../test-support/tmpfs.js';
export type {
  FakeGraphEvent,
  FakeGraphFault,
  FakeGraphRequest,
  FakeGraphRoute,
  FakeGraphServer,
  FakeGraphServerOptions,
} from './fake-graph-server.js';
export { createFakeGraphServer } from './fake-graph-server.js';
