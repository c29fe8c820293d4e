#!/usr/bin/env node
// Proves @eventkit/core works for an outside app: `pnpm pack` the package (building it first if
// dist is missing), copy examples/ (an app outside the workspace) to the OS temp dir, install the
// tarball there with npm (so nothing resolves to workspace sources) and run each example.
// Every `console.log(…); // expected` line of an example states what it prints, and the
// examples are the core README's code blocks, word for word: both are checked here.
// Exits non-zero with a message saying which step failed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const core = join(root, 'packages', 'core');
const examples = join(root, 'examples');
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmVersion = packageManager.split('@')[1];

function fail(message) {
  console.error(`pack-check: FAILED: ${message}`);
  process.exit(1);
}

function run(step, command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: process.env });
  if (result.error) fail(`${step}: cannot run ${command}: ${result.error.message}`);
  if (result.status !== 0) {
    fail(
      `${step}: \`${command} ${args.join(' ')}\` exited ${result.status}\n${result.stdout}${result.stderr}`,
    );
  }
  return result.stdout;
}

function pnpm(step, args, cwd) {
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  return probe.status === 0
    ? run(step, 'pnpm', args, cwd)
    : run(step, 'npx', ['-y', `pnpm@${pnpmVersion}`, ...args], cwd);
}

/** What an example says it prints: the `// …` after each `console.log(…);`, in order. */
function expectedOutput(source) {
  return [...source.matchAll(/^\s*console\.log\(.*\);\s*\/\/ (.*)$/gm)].map((match) => match[1]);
}

async function main() {
  const readme = readFileSync(join(core, 'README.md'), 'utf8');
  const names = (await readdir(examples)).filter((name) => name.endsWith('.mjs')).sort();
  if (names.length === 0) fail(`examples: no .mjs file in ${examples}`);
  for (const name of names) {
    const source = readFileSync(join(examples, name), 'utf8');
    if (!readme.includes(`\`\`\`js\n${source}\`\`\``)) {
      fail(`examples/${name} is not a code block of packages/core/README.md; copy it there as is`);
    }
  }

  if (!existsSync(join(core, 'dist', 'index.js'))) {
    console.log('pack-check: building @eventkit/core');
    pnpm('build', ['--filter', '@eventkit/core', 'build'], root);
  }
  const work = await mkdtemp(join(tmpdir(), 'eventkit-pack-check-'));
  try {
    pnpm('pack', ['pack', '--pack-destination', work], core);
    const tarball = (await readdir(work)).find((name) => name.endsWith('.tgz'));
    if (!tarball) fail(`pack: no .tgz in ${work}`);
    const listing = run('list tarball', 'tar', ['-tzf', join(work, tarball)], work).split('\n');
    for (const entry of ['index', 'telemetry', 'manifest', 'analysis']) {
      for (const file of [`package/dist/${entry}.js`, `package/dist/${entry}.d.ts`]) {
        if (!listing.includes(file)) fail(`pack: ${tarball} lacks ${file}`);
      }
    }
    if (!listing.includes('package/README.md')) fail(`pack: ${tarball} lacks package/README.md`);

    const app = join(work, 'examples');
    await cp(examples, app, {
      recursive: true,
      filter: (path) => !path.includes('node_modules'),
    });
    run(
      'npm install',
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--loglevel=error',
        join(work, tarball),
      ],
      app,
    );
    for (const name of names) {
      const printed = run(`examples/${name}`, process.execPath, [name], app).trimEnd().split('\n');
      const expected = expectedOutput(readFileSync(join(examples, name), 'utf8'));
      if (JSON.stringify(printed) !== JSON.stringify(expected)) {
        fail(
          `examples/${name} printed\n  ${printed.join('\n  ')}\nbut its comments say\n  ${expected.join('\n  ')}`,
        );
      }
    }
    console.log(
      `pack-check: OK: ${tarball} installed outside the workspace; ran ${names.map((name) => `examples/${name}`).join(', ')}`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
