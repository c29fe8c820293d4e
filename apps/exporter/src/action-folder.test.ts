import { EXTRA_ACTIONS_CAP, OTHER_ACTION, TELEMETRY_ACTIONS } from '@eventkit/core/telemetry';
import { describe, expect, it } from 'vitest';
import { createActionFolder, initialActionLabels } from './action-folder.js';

describe('createActionFolder', () => {
  it.each(TELEMETRY_ACTIONS)('keeps the known action %s', (action) => {
    expect(createActionFolder({ cap: 0 }).fold(action)).toBe(action);
  });

  it('admits up to cap extra actions, keeps counting them, then folds newcomers into other', () => {
    const folder = createActionFolder({ cap: 2 });
    expect(['search', 'browse', 'share', 'search'].map(folder.fold)).toEqual([
      'search',
      'browse',
      'other',
      'search',
    ]);
    expect(folder.admitted()).toEqual(['search', 'browse']);
  });

  it.each(['', 'Recommend', 'a b', "x' OR 1=1", 'other', 'x'.repeat(41)])(
    'folds %j into other without admitting it',
    (action) => {
      const folder = createActionFolder();
      expect(folder.fold(action)).toBe(OTHER_ACTION);
      expect(folder.admitted()).toEqual([]);
    },
  );

  it('bounds 10,000 distinct actions to the cap + other', () => {
    const folder = createActionFolder();
    const labels = new Set<string>();
    for (let i = 0; i < 10_000; i++) labels.add(folder.fold(`junk_${i}`));
    expect(labels.size).toBe(EXTRA_ACTIONS_CAP + 1);
  });

  it('restores the admitted actions of a checkpoint, dropping any the rule would not admit', () => {
    const folder = createActionFolder({ admitted: ['search', 'Bad name', 'browse'], cap: 1 });
    expect(folder.admitted()).toEqual(['search']);
    expect(folder.fold('browse')).toBe(OTHER_ACTION);
    expect(folder.fold('search')).toBe('search');
  });
});

describe('initialActionLabels', () => {
  it('is the known actions and other', () => {
    expect(initialActionLabels()).toEqual([...TELEMETRY_ACTIONS, OTHER_ACTION]);
  });
});
