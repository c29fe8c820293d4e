import type { z } from 'zod';

/**
 * A zod issue path as people write it.
 *
 * @example
 * formatPath(['sessions', 3, 'popularity']); // 'sessions[3].popularity'
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return `${typeof value === 'number' ? 'the number' : typeof value} ${String(value)}`;
}

const ARTICLES: Record<string, string> = {
  object: 'a JSON object',
  array: 'an array',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  int: 'a whole number',
};

function issueText(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === 'invalid_type') {
    const value = valueAt(input, issue.path);
    if (value === undefined) return 'is required';
    return `must be ${ARTICLES[issue.expected] ?? issue.expected}, not ${describe(value)}`;
  }
  if (issue.code === 'invalid_value') {
    return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return issue.message;
}

/**
 * Turns zod issues into one line that names the file and the field, e.g.
 * `agent.json: sessions[3].popularity must be between 0 and 1`. At most three issues are
 * spelled out; the rest are counted.
 *
 * @example
 * const result = manifestSchema.safeParse(json);
 * if (!result.success) throw new Error(formatIssues('agent.json', result.error.issues, json));
 */
export function formatIssues(
  source: string,
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  maxShown = 3,
): string {
  const parts = issues.slice(0, maxShown).map((issue) => {
    const where = formatPath(issue.path);
    const text = issueText(issue, input);
    return where === '' ? text : `${where} ${text}`;
  });
  const more = issues.length - parts.length;
  return `${source}: ${parts.join('; ')}${more > 0 ? ` (and ${more} more)` : ''}`;
}
