import fc from 'fast-check';

/** One complete, valid telemetry line (without its newline). */
export const validLine = (i: number, action = 'recommend') =>
  JSON.stringify({
    ts: 1_795_000_000 + i / 1000,
    action,
    success: i % 3 !== 0,
    latency_ms: (i % 200) + 0.5,
    payload: { interests_count: 2, top: 5 },
    error: i % 3 === 0 ? 'HTTP 400' : null,
    trace_id: i.toString(16).padStart(32, '0'),
  });

const noNewline = (bytes: Uint8Array) => Buffer.from(bytes.map((b) => (b === 0x0a ? 0x20 : b)));

const FIELDS = ['ts', 'action', 'success', 'latency_ms', 'payload', 'error', 'trace_id'] as const;

/** A line of bytes, each kind of damage the fuzz pass tries (never containing a newline). */
export const telemetryLineArbitrary: fc.Arbitrary<{ kind: string; bytes: Buffer }> = fc.oneof(
  fc
    .uint8Array({ maxLength: 400 })
    .map((bytes) => ({ kind: 'random bytes', bytes: noNewline(bytes) })),
  fc.integer({ min: 100, max: 50_000 }).chain((depth) =>
    fc.constantFrom(
      {
        kind: 'deep nesting (payload)',
        bytes: Buffer.from(
          `{"ts":1,"action":"recommend","success":true,"latency_ms":1,"payload":{"x":${'['.repeat(depth)}${']'.repeat(depth)}}}`,
        ),
      },
      {
        kind: 'deep nesting (top level)',
        bytes: Buffer.from(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
      },
      { kind: 'deep nesting (unclosed)', bytes: Buffer.from('['.repeat(depth)) },
    ),
  ),
  fc
    .record({
      field: fc.constantFrom('ts', 'latency_ms'),
      value: fc.constantFrom(
        '1e400',
        '-1e400',
        '1e-400',
        '123456789012345678901234567890123456789',
        '-0',
        '9007199254740993',
        '0x10',
        '.5',
        '1.',
        '+1',
        'NaN',
        'Infinity',
        '-Infinity',
        'null',
      ),
    })
    .map(({ field, value }) => {
      const base = { ts: '1795000000', latency_ms: '3' } as Record<string, string>;
      base[field] = value;
      return {
        kind: 'huge numbers / NaN',
        bytes: Buffer.from(
          `{"ts":${base.ts},"action":"explain","success":true,"latency_ms":${base.latency_ms}}`,
        ),
      };
    }),
  fc
    .record(
      Object.fromEntries(FIELDS.map((field) => [field, fc.jsonValue({ maxDepth: 3 })])) as Record<
        (typeof FIELDS)[number],
        fc.Arbitrary<fc.JsonValue>
      >,
      { requiredKeys: [] },
    )
    .map((event) => ({ kind: 'wrong types', bytes: Buffer.from(JSON.stringify(event)) })),
  fc
    .record({
      where: fc.constantFrom('action', 'error', 'trace_id', 'payload'),
      bad: fc.constantFrom(
        [0xff],
        [0xfe, 0xff],
        [0xc0, 0xaf],
        [0xed, 0xa0, 0x80],
        [0xf4, 0x90, 0x80, 0x80],
        [0xe2, 0x82],
        [0x80],
      ),
    })
    .map(({ where, bad }) => {
      const marker = '@@';
      const event: Record<string, unknown> = {
        ts: 1_795_000_000.5,
        action: 'recommend',
        success: true,
        latency_ms: 2,
        payload: {},
        error: null,
        trace_id: 'ab',
      };
      if (where === 'payload') event.payload = { note: marker };
      else event[where] = marker;
      const [before = '', after = ''] = JSON.stringify(event).split(marker);
      return {
        kind: 'invalid UTF-8',
        bytes: Buffer.concat([Buffer.from(before), Buffer.from(bad), Buffer.from(after)]),
      };
    }),
  fc
    .jsonValue({ maxDepth: 4 })
    .map((value) => ({ kind: 'other JSON', bytes: Buffer.from(JSON.stringify(value) ?? 'null') })),
  fc.nat({ max: 10_000 }).map((i) => ({ kind: 'valid', bytes: Buffer.from(validLine(i)) })),
);
