import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs a command (mount, umount, chattr…) quietly; true when it exits 0. */
export function run(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

/**
 * Why this machine cannot mount a small tmpfs for a test (a real full file system), or undefined
 * when it can: tests that need one name the reason when they skip. CI runs as root, so it can.
 */
export function tmpfsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to mount a tmpfs';
  const probe = mkdtempSync(join(tmpdir(), 'eventkit-mount-probe-'));
  try {
    if (!run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe])) {
      return 'mount -t tmpfs failed (no CAP_SYS_ADMIN?)';
    }
    run('umount', [probe]);
    return undefined;
  } finally {
    rmdirSync(probe);
  }
}
