/**
 * Normalises interests as the Python Event Kit does: split on `,` or `;`, trim, lowercase, drop
 * empty entries. Duplicates are dropped too (first occurrence wins), so the diversity term counts
 * distinct interests. Accepts an already split list (e.g. repeated query parameters).
 *
 * @example
 * parseInterests('Agents, AI Safety; agents'); // ['agents', 'ai safety']
 */
export function parseInterests(raw: string | readonly string[] | undefined | null): string[] {
  if (raw === undefined || raw === null) return [];
  const parts = (typeof raw === 'string' ? [raw] : raw).flatMap((entry) => entry.split(/[,;]/));
  const seen = new Set<string>();
  for (const part of parts) {
    const interest = part.trim().toLowerCase();
    if (interest !== '') seen.add(interest);
  }
  return [...seen];
}
