import {
  type ActionFold,
  EXTRA_ACTIONS_CAP,
  foldAction,
  OTHER_ACTION,
  TELEMETRY_ACTIONS,
} from '@eventkit/core/telemetry';

export interface ActionFolderOptions {
  /** Extra actions already given their own series (e.g. restored from a checkpoint). */
  admitted?: readonly string[];
  cap?: number;
}

export interface ActionFolder {
  /** The `action` label value to use for a telemetry action. */
  fold(action: string): string;
  /** The extra (non-`TELEMETRY_ACTIONS`) actions admitted so far, in admission order. */
  admitted(): string[];
}

/**
 * The exporter's `action` label: core's `foldAction`, whose admitted extras survive a restart
 * through the checkpoint, so a series once exposed keeps counting.
 *
 * @example
 * const folder = createActionFolder({ cap: 1 });
 * folder.fold('recommend'); // 'recommend'
 * folder.fold('search');    // 'search' (admitted)
 * folder.fold('browse');    // 'other'
 */
export function createActionFolder({
  admitted = [],
  cap = EXTRA_ACTIONS_CAP,
}: ActionFolderOptions = {}): ActionFolder {
  const state: ActionFold = { extras: new Set(), overflowed: false };
  for (const action of admitted) foldAction(action, state, cap);
  return {
    fold: (action) => foldAction(action, state, cap),
    admitted: () => [...state.extras],
  };
}

/** The label values whose series exist (at 0) from the start: the known actions and `other`. */
export function initialActionLabels(): string[] {
  return [...TELEMETRY_ACTIONS, OTHER_ACTION];
}
