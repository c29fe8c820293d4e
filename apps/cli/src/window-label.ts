/** 86400 to `24h`, 300 to `5m`, 604800 to `7d`: how a --window reads back in headings. */
export function formatWindow(seconds: number): string {
  if (seconds % 86_400 === 0 && seconds >= 172_800) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
