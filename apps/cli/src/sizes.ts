import { InvalidArgumentError } from 'commander';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/**
 * `100MB`, `512k`, `1.5GiB`, `104857600` to bytes. Binary units, as the seed's rotate_logs.sh
 * (MAX_SIZE=104857600 is "100 MB").
 */
export function parseSize(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = UNITS[(match?.[2] ?? 'x').toLowerCase()];
  if (!match || unit === undefined) {
    throw new InvalidArgumentError('Use a size such as 100MB, 512KB or 1GB (or plain bytes).');
  }
  return Math.round(Number(match[1]) * unit);
}

/** 104857600 to `100.0 MB` (binary units, one decimal). */
export function formatSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let index = 0;
  while (value >= 1024 && index < units.length - 1) {
    value /= 1024;
    index += 1;
  }
  return index === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[index]}`;
}
