import { SpanStatusCode } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';
import type { AppDeps, AppEnv } from '../app-types.js';
import { socketAddress } from '../client-address.js';
import { requestHeader } from '../request-input.js';
import { formatTraceparent, resolveRequestTrace } from '../trace-context.js';

/** Probes are neither logged nor traced nor written to telemetry (DESIGN.md). */
export const HEALTH_PATHS: ReadonlySet<string> = new Set(['/health', '/livez', '/readyz']);

const ACTIONS: Readonly<Record<string, string>> = {
  '/recommend': 'recommend',
  '/recommend-graph': 'recommend',
  '/explain': 'explain',
  '/export': 'export',
};

export const TRACE_HEADERS = ['traceparent', 'X-Trace-Id', 'X-Correlation-ID'] as const;

const MAX_FAILURE_LENGTH = 200;

/**
 * The observability of every non-probe request, in one place: trace id (W3C traceparent or
 * X-Correlation-ID), the client (see `createClientAddress`), the request span,
 * `[trace_id] Request started/completed/failed` log lines,
 * trace headers on the answer, and exactly one telemetry line.
 */
export function observe(
  deps: Pick<AppDeps, 'telemetry' | 'logger' | 'tracing' | 'now' | 'clientAddress' | 'instance'>,
): MiddlewareHandler<AppEnv> {
  const { telemetry, logger, tracing, now, clientAddress = socketAddress, instance } = deps;
  return async (c, next) => {
    if (HEALTH_PATHS.has(c.req.path)) return next();
    const started = performance.now();
    const trace = resolveRequestTrace(
      requestHeader(c, 'traceparent'),
      requestHeader(c, 'x-correlation-id'),
    );
    const action = ACTIONS[c.req.path] ?? 'unknown';
    const requestSpan = tracing.startRequestSpan(action, trace.traceId, trace.parent, {
      'http.request.method': c.req.method,
      'url.path': action === 'unknown' ? '(unknown)' : c.req.path,
    });
    c.set('trace', trace);
    c.set('requestSpan', requestSpan);
    c.set('action', action);
    // Found once, here: the rate limiter and the log lines all speak of the same client.
    const client = clientAddress(c);
    c.set('client', client);
    logger.info(`[${trace.traceId}] Request started: ${action} from ${client ?? 'unknown'}`);
    // Before the handler runs, so every answer carries them, errors included.
    c.header(
      'traceparent',
      formatTraceparent(trace.traceId, requestSpan.spanId, requestSpan.sampled),
    );
    c.header('X-Trace-Id', trace.traceId);
    c.header('X-Correlation-ID', trace.correlationId);

    await next();

    const status = c.res.status;
    const success = status >= 200 && status < 300;
    const latency = Math.round((performance.now() - started) * 1000) / 1000;
    const finalAction = c.get('action');
    const failure = success
      ? null
      : (c.get('failure') ?? `HTTP ${status}`).slice(0, MAX_FAILURE_LENGTH);

    telemetry.write({
      ts: (now ? now().getTime() : Date.now()) / 1000,
      action: finalAction,
      success,
      latency_ms: latency,
      payload: c.get('telemetryPayload') ?? (success ? {} : { status }),
      error: failure,
      trace_id: trace.traceId,
      ...(instance === undefined ? {} : { instance }),
    });

    const { span } = requestSpan;
    span.setAttribute('http.response.status_code', status);
    if (finalAction !== action) span.setAttribute('eventkit.action', finalAction);
    if (status >= 500)
      span.setStatus({ code: SpanStatusCode.ERROR, message: failure ?? undefined });
    span.end();

    const summary = `${finalAction} ${status} (${latency} ms)`;
    // The reason comes last, after " - ", so the seed's `grep ERROR … | awk -F ' - ' '{print $NF}'
    // | sort | uniq -c` counts failures by reason rather than by (unique) trace id.
    if (success) logger.info(`[${trace.traceId}] Request completed: ${summary}`);
    else if (status >= 500)
      logger.error(`[${trace.traceId}] Request failed: ${summary} - ${failure}`);
    else logger.warning(`[${trace.traceId}] Request failed: ${summary} - ${failure}`);
  };
}
