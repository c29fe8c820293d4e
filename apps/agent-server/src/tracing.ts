import {
  type Attributes,
  type Context,
  INVALID_SPAN_CONTEXT,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  type IdGenerator,
  RandomIdGenerator,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { TracesExporterName } from './config.js';
import { newSpanId, type RemoteParent } from './trace-context.js';

export interface RequestSpan {
  span: Span;
  /** Context whose active span is the request span: parent of load_sessions, score_sessions, … */
  context: Context;
  /** Span id to send back in `traceparent` (ours even when tracing is off). */
  spanId: string;
  sampled: boolean;
}

export interface Tracing {
  readonly tracer: Tracer;
  /** Starts the SERVER span of a request whose trace id was already decided. */
  startRequestSpan(
    name: string,
    traceId: string,
    parent: RemoteParent | undefined,
    attributes: Attributes,
  ): RequestSpan;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  exporter: TracesExporterName;
  endpoint?: string;
  serviceName?: string;
  serviceVersion?: string;
  scheduledDelayMillis?: number;
  /** Replaces the exporter chosen by name (tests pass an InMemorySpanExporter). */
  spanExporter?: SpanExporter;
}

/**
 * Lets the request span carry the trace id the request was given (from X-Correlation-ID or our
 * own) without inventing a parent span: the SDK asks for a trace id only for root spans, and
 * startSpan runs synchronously right after we set it.
 */
class RequestIdGenerator implements IdGenerator {
  private readonly random = new RandomIdGenerator();
  next: string | undefined;
  generateTraceId(): string {
    const id = this.next ?? this.random.generateTraceId();
    this.next = undefined;
    return id;
  }
  generateSpanId(): string {
    return this.random.generateSpanId();
  }
}

function parentContext(parent: RemoteParent | undefined): Context {
  if (!parent) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, { ...parent, isRemote: true });
}

/**
 * Tracing off (OTEL_TRACES_EXPORTER unset or none): the API's no-op tracer, and ids that still
 * make a valid `traceparent` answer. Nothing is recorded, so the request span is one shared
 * non-recording span and its children start from the root context: no per-request span or
 * context objects.
 */
function createNoopTracing(): Tracing {
  const tracer = new ProxyTracerProvider().getTracer('event-agent');
  const span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
  return {
    tracer,
    startRequestSpan(_name, _traceId, parent) {
      return {
        span,
        context: ROOT_CONTEXT,
        spanId: newSpanId(),
        sampled: parent ? (parent.traceFlags & 1) === 1 : false,
      };
    },
    shutdown: async () => {},
  };
}

function processorFor(options: TracingOptions): SpanProcessor | undefined {
  if (options.spanExporter) return new SimpleSpanProcessor(options.spanExporter);
  if (options.exporter === 'console') return new SimpleSpanProcessor(new ConsoleSpanExporter());
  if (options.exporter === 'otlp') {
    return new BatchSpanProcessor(new OTLPTraceExporter({ url: options.endpoint }), {
      scheduledDelayMillis: options.scheduledDelayMillis ?? 1000,
    });
  }
  return undefined;
}

/**
 * OpenTelemetry for the agent (OTEL_TRACES_EXPORTER=none|console|otlp). A provider of our own,
 * passed in where it is used, rather than a global one: tests run several side by side.
 *
 * @example
 * const tracing = createTracing({ exporter: 'otlp', endpoint: 'http://127.0.0.1:4318/v1/traces' });
 */
export function createTracing(options: TracingOptions): Tracing {
  const processor = processorFor(options);
  if (!processor) return createNoopTracing();
  const ids = new RequestIdGenerator();
  const provider = new BasicTracerProvider({
    idGenerator: ids,
    resource: resourceFromAttributes({
      'service.name': options.serviceName ?? 'event-agent',
      'service.version': options.serviceVersion ?? '0.0.0',
    }),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer('event-agent', options.serviceVersion);
  return {
    tracer,
    startRequestSpan(name, traceId, parent, attributes) {
      const context = parentContext(parent);
      if (!parent) ids.next = traceId;
      const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, context);
      ids.next = undefined;
      const spanContext = span.spanContext();
      return {
        span,
        context: trace.setSpan(context, span),
        spanId: spanContext.spanId,
        sampled: (spanContext.traceFlags & 1) === 1,
      };
    },
    shutdown: () => provider.shutdown(),
  };
}

/** Runs `fn` inside a child span of `parent`, recording a thrown error on it. */
export function inSpan<T>(tracer: Tracer, parent: Context, name: string, fn: (span: Span) => T): T {
  const span = tracer.startSpan(name, {}, parent);
  try {
    const result = fn(span);
    if (result instanceof Promise) {
      return result.then(
        (value) => {
          span.end();
          return value;
        },
        (error: unknown) => {
          failSpan(span, error);
          span.end();
          throw error;
        },
      ) as T;
    }
    span.end();
    return result;
  } catch (error) {
    failSpan(span, error);
    span.end();
    throw error;
  }
}

function failSpan(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}
