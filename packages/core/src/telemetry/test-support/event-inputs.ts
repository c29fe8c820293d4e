import fc from 'fast-check';
import {
  ACTION_MAX_LENGTH,
  INSTANCE_MAX_LENGTH,
  MAX_PAYLOAD_DEPTH,
  TRACE_ID_MAX_LENGTH,
} from '../event.js';

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

/** Anything code might put in a payload, mostly JSON. */
const payloadValue = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 4 },
  { arbitrary: unlikeJson, weight: 3 },
  {
    arbitrary: fc.anything({
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
    weight: 1,
  },
  { arbitrary: nearTheDepthLimit, weight: 1 },
);

/** Mostly short strings, sometimes empty or just around a length limit. */
const nearLimit = (max: number) =>
  fc.oneof(
    { arbitrary: fc.string({ minLength: 1, maxLength: 8, unit: 'binary' }), weight: 6 },
    { arbitrary: fc.constant(''), weight: 1 },
    { arbitrary: fc.string({ minLength: max - 1, maxLength: max + 1 }), weight: 2 },
  );

/** Any field of an event, each from `valid` or, when `weird`, now and then anything at all. */
const eventWith = (weird: boolean) => {
  const field = <T>(valid: fc.Arbitrary<T>) =>
    weird
      ? fc.oneof({ arbitrary: valid, weight: 8 }, { arbitrary: payloadValue, weight: 1 })
      : valid;
  return fc.record(
    {
      ts: field(fc.double({ noNaN: true, noDefaultInfinity: true })),
      action: field(nearLimit(ACTION_MAX_LENGTH)),
      success: field(fc.boolean()),
      latency_ms: field(
        fc.oneof(
          { arbitrary: fc.double({ min: 0, max: 1e6, noNaN: true }), weight: 9 },
          { arbitrary: fc.constantFrom(-1, -Number.MIN_VALUE), weight: 1 },
        ),
      ),
      payload: field(fc.dictionary(fc.string({ maxLength: 4 }), payloadValue, { maxKeys: 4 })),
      error: field(fc.option(fc.string({ unit: 'binary' }), { nil: null })),
      trace_id: field(nearLimit(TRACE_ID_MAX_LENGTH)),
      instance: field(nearLimit(INSTANCE_MAX_LENGTH)),
      extra: payloadValue,
    },
    { requiredKeys: ['ts', 'action', 'success', 'latency_ms'] },
  );
};

/**
 * Events as code hands them to the telemetry writer: plain valid ones, limits just inside and
 * just outside, and values JSON cannot write as given (undefined, -0, NaN, functions, symbols,
 * bigints, dates, maps, class instances, `__proto__` keys, lone surrogates, deep nesting).
 */
export const eventInputs: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: eventWith(false), weight: 5 },
  { arbitrary: eventWith(true), weight: 4 },
  { arbitrary: payloadValue, weight: 1 },
);
