/** Longest `action` a line may carry, in UTF-16 code units (as `string.length` counts). */
export const ACTION_MAX_LENGTH = 200;

/** Longest `trace_id` a line may carry, in UTF-16 code units. */
export const TRACE_ID_MAX_LENGTH = 200;

/** Longest `instance` (the name of the process that wrote the line) a line may carry. */
export const INSTANCE_MAX_LENGTH = 200;

/**
 * Containers nested deeper than this (the payload object itself is level 1) make a line
 * malformed: such a payload could not be written back, since JSON.stringify recurses.
 */
export const MAX_PAYLOAD_DEPTH = 32;

/** True when a container inside `root` (level 1) is nested deeper than `limit`. */
export function nestedDeeperThan(root: object, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (depth > limit) return true;
    for (const child of Object.values(value as object)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
