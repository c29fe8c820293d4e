/**
 * A drill's positive numeric flag: `fallback` when absent; anything else than a positive number
 * ends the drill with its one-line usage error and exit 2.
 */
export function positiveFlag(
  program: string,
  raw: string | undefined,
  name: string,
  fallback: number,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    process.stderr.write(`${program}: ${name} must be a positive number (got "${raw}")\n`);
    process.exit(2);
  }
  return value;
}
