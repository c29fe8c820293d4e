import fc from 'fast-check';
import { ACTION_MAX_LENGTH, MAX_PAYLOAD_DEPTH, TRACE_ID_MAX_LENGTH } from '../event.js';

/** Arrays nested around the payload depth limit, with an object at the bottom now and then. */
const nearTheDepthLimit = fc
  .tuple(fc.integer({ min: MAX_PAYLOAD_DEPTH - 3, max: MAX_PAYLOAD_DEPTH + 2 }), fc.boolean())
  .map(([depth, objects]) => {
    let value: unknown = objects ? {} : [];
    for (let level = 1; level < depth; level++) value = objects ? { x: value } : [value];
    return value;
  });

/** Values JSON writes differently from what it is given, or cannot write at all. */
const unlikeJson = fc.constantFrom<unknown>(
  undefined,
  -0,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  () => 1,
  Symbol('s'),
  10n,
  new Date(0),
  new Map([[1, 2]]),
  new (class Point {
    x = 1;
  })(),
  Object.create(null),
  JSON.parse('{"__proto__":{"x":1},"k":2}'),
  { toJSON: () => 'replaced' },
  // biome-ignore lint/suspicious/noSparseArray: JSON writes a hole as null
  [1, , 3],
  '\ud800', // a lone surrogate
);

/** Anything code might put in a payload. */
const payloadValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.anything({
    maxDepth: 3,
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withNullPrototype: true,
    withSet: true,
    withSparseArray: true,
    withTypedArray: true,
    key: fc.oneof(fc.string({ maxLength: 4 }), fc.constant('__proto__')),
  }),
  nearTheDepthLimit,
  unlikeJson,
);

/** Short strings (the empty one included) or ones just around a length limit. */
const nearLimit = (max: number) =>
  fc.oneof(
    fc.string({ maxLength: 8, unit: 'binary' }),
    fc.string({ minLength: max - 1, maxLength: max + 1 }),
  );

/** Each field mostly valid, sometimes anything, so that both outcomes stay common. */
const field = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 6 }, { arbitrary: payloadValue, weight: 1 });

/**
 * Events as code hands them to the telemetry writer: plain valid ones, limits just inside and
 * just outside, and values JSON cannot write as given (undefined, -0, NaN, functions, symbols,
 * bigints, dates, maps, class instances, `__proto__` keys, lone surrogates, deep nesting).
 */
export const eventInputs: fc.Arbitrary<unknown> = fc.oneof(
  {
    arbitrary: fc.record(
      {
        ts: field(fc.double()),
        action: field(nearLimit(ACTION_MAX_LENGTH)),
        success: field(fc.boolean()),
        latency_ms: field(fc.double({ min: -1, max: 1e6 })),
        payload: field(fc.dictionary(fc.string({ maxLength: 4 }), payloadValue, { maxKeys: 4 })),
        error: field(fc.option(fc.string({ unit: 'binary' }), { nil: null })),
        trace_id: field(nearLimit(TRACE_ID_MAX_LENGTH)),
        extra: payloadValue,
      },
      { requiredKeys: ['ts', 'action', 'success', 'latency_ms'] },
    ),
    weight: 9,
  },
  { arbitrary: payloadValue, weight: 1 },
);
