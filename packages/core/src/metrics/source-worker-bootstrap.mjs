// Test-only: vitest runs core from TypeScript source, but a worker thread is plain Node. This
// bootstrap teaches the worker to load .ts (types stripped by TypeScript's transpileModule)
// and then starts the real entry. The built package never uses it (dist/metrics/summary-worker.js).
import { register } from 'node:module';
import { workerData } from 'node:worker_threads';

register(new URL('./source-worker-loader.mjs', import.meta.url));
await import(workerData.sourceEntry);
