import { describe, expect, it } from 'vitest';
import type { HealthCheck } from './health-model.js';
import { createHealthModel } from './health-model.js';

const STARTED = new Date('2024-03-14T08:30:00.000Z');
const NOW = new Date('2024-03-15T08:30:00.750Z');

const passing = (name: string): HealthCheck => ({ name, run: async () => undefined });
const failing = (name: string, text: string): HealthCheck => ({ name, run: async () => text });

describe('createHealthModel', () => {
  it('reports healthy with version and whole-second uptime from the injected clock', async () => {
    const health = createHealthModel({
      version: '1.0.0',
      checks: [passing('manifest'), passing('telemetry')],
      now: () => NOW,
      startedAt: STARTED,
    });
    expect(await health.check()).toEqual({
      status: 'healthy',
      timestamp: '2024-03-15T08:30:00Z',
      version: '1.0.0',
      uptime_seconds: 86400,
    });
  });

  it('adds the answering worker, the worker count and the restarts in a run of several workers', async () => {
    let restarts = 0;
    const health = createHealthModel({
      version: '1.0.0',
      checks: [passing('manifest')],
      now: () => NOW,
      startedAt: STARTED,
      identity: () => ({ instance: 'web1-w2', workers: 2, worker_restarts: restarts }),
    });
    expect(await health.check()).toMatchObject({
      instance: 'web1-w2',
      workers: 2,
      worker_restarts: 0,
    });
    restarts = 3;
    expect(await health.check()).toMatchObject({ status: 'healthy', worker_restarts: 3 });
  });

  it('reports unhealthy with every failing check’s text, in check order, and nothing else', async () => {
    const health = createHealthModel({
      version: '1.0.0',
      checks: [
        failing('manifest', 'Cannot load manifest'),
        passing('telemetry'),
        failing('graph', 'Graph API authentication failed'),
      ],
      now: () => NOW,
      startedAt: STARTED,
    });
    expect(await health.check()).toEqual({
      status: 'unhealthy',
      timestamp: '2024-03-15T08:30:00Z',
      errors: ['Cannot load manifest', 'Graph API authentication failed'],
    });
  });

  it('counts uptime from when the model was created by default', async () => {
    let clock = STARTED;
    const health = createHealthModel({ version: '2.0.0', checks: [], now: () => clock });
    clock = new Date(STARTED.getTime() + 61_999);
    expect(await health.check()).toMatchObject({ status: 'healthy', uptime_seconds: 61 });
  });

  it.each([
    [
      'throws',
      {
        name: 'graph',
        run: async () => {
          throw new Error('socket hang up');
        },
      },
      'graph check failed: socket hang up',
    ],
    [
      'never answers',
      { name: 'graph', run: () => new Promise<undefined>(() => {}) },
      'graph check timed out',
    ],
  ])(
    'reports a check that %s as failed instead of failing the probe',
    async (_name, check, text) => {
      const health = createHealthModel({
        version: '1.0.0',
        checks: [check as HealthCheck],
        now: () => NOW,
        timeoutMs: 20,
      });
      expect(await health.check()).toEqual({
        status: 'unhealthy',
        timestamp: '2024-03-15T08:30:00Z',
        errors: [text],
      });
    },
  );

  it('runs the checks concurrently', async () => {
    const started: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((done) => {
      release = done;
    });
    const slow = (name: string): HealthCheck => ({
      name,
      async run() {
        started.push(name);
        if (started.length === 2) release();
        await gate;
        return undefined;
      },
    });
    const health = createHealthModel({ version: '1', checks: [slow('a'), slow('b')] });
    expect((await health.check()).status).toBe('healthy');
    expect(started).toEqual(['a', 'b']);
  });
});
