import { spawn } from 'node:child_process';

/**
 * Runs an operator's shell command (`--on-fail 'mail -s "Event Agent Down" admin@example.com'`)
 * with `input` on its stdin and extra environment; resolves with its exit code, never throws.
 */
export function runHook(
  command: string,
  input: string,
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; error?: string }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { env, stdio: ['pipe', 'inherit', 'inherit'] });
    child.on('error', (error) => resolve({ code: null, error: error.message }));
    child.on('close', (code) => resolve({ code }));
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}
