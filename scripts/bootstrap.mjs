#!/usr/bin/env node
// One entry point for a fresh machine that has only Node 20 and npm:
// `npm start` installs, builds every package and serves the agent; `npm test` installs and runs every check.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const { packageManager } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url)));
const pnpmVersion = packageManager.split('@')[1];

function run(command, args, extraEnv = {}) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...extraEnv },
  });
  if (result.error) {
    console.error(`bootstrap: cannot run ${command}: ${result.error.message}`);
    process.exit(127);
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function hasPnpm() {
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 && probe.stdout.trim() === pnpmVersion;
}

const pnpm = (...args) =>
  hasPnpm() ? run('pnpm', args) : run('npx', ['-y', `pnpm@${pnpmVersion}`, ...args]);

const [task, ...rest] = process.argv.slice(2);
const frozen = process.env.CI ? ['--frozen-lockfile'] : [];

switch (task) {
  case 'start':
    pnpm('install', ...frozen);
    pnpm('exec', 'turbo', 'run', 'build');
    run('node', ['apps/agent-server/dist/main.js', ...rest]);
    break;
  case 'test':
    pnpm('install', ...frozen);
    pnpm('exec', 'biome', 'check', '.');
    pnpm('exec', 'turbo', 'run', 'build', 'typecheck', 'test', '--concurrency=1', ...rest);
    run('node', ['scripts/pack-check.mjs']);
    break;
  default:
    console.error('usage: node scripts/bootstrap.mjs start|test [args…]');
    process.exit(2);
}
