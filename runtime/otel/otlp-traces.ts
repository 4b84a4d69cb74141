import { createTraceState, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Context, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { SpanRecord } from '../../core/trace/spans.ts';
import type { TraceExport } from '../../core/trace/trace-export.ts';
import { samplerFrom, tracesUrl } from './trace-setup.ts';

/**
 * Traces on Node, the container, Lambda and Deno (core/trace/trace-export.ts): OpenTelemetry's own SDK
 * and OTLP/HTTP exporter, configured by OpenTelemetry's standard variables, so an operator's
 * collector settings carry over unchanged (docs/observability.md):
 * - OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (the full URL) or OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/traces):
 *   tracing is on when either is set (trace-setup.ts decides, and imports this module only then);
 *   OTEL_EXPORTER_OTLP_HEADERS and the exporter's other variables are read by the exporter itself;
 * - OTEL_SERVICE_NAME (default edgeserve);
 * - OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (default parentbased_always_on: a client's
 *   unsampled traceparent is honoured, every other request starts a sampled trace);
 * - OTEL_BSP_SCHEDULE_DELAY, OTEL_BSP_EXPORT_TIMEOUT, OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BSP_MAX_EXPORT_BATCH_SIZE:
 *   the batch processor's (a full queue drops spans, never a request);
 * - OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn it off.
 * Spans are made after the request ends, from core's records, with their recorded times; the
 * SDK's batch processor sends them in the background.
 */
export function otlpTraceExport(env: Record<string, string | undefined>): TraceExport {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || 'edgeserve' }),
    // Sampling is decided as each request starts (TraceExport.sampled); what is exported is kept.
    sampler: new AlwaysOnSampler(),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: tracesUrl(env) }), ...batchOptionsFrom(env) })],
  });
  const tracer = provider.getTracer('edgeserve');
  return {
    sampled: samplerFrom(env),
    export({ root, parent, epochOffsetMs }) {
      const context = parent
        ? trace.setSpanContext(ROOT_CONTEXT, {
            traceId: parent.traceId,
            spanId: parent.spanId,
            traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
            isRemote: true,
            ...(parent.traceState && { traceState: createTraceState(parent.traceState) }),
          })
        : ROOT_CONTEXT;
      emit(tracer, root, context, SpanKind.SERVER, epochOffsetMs);
    },
    flush: () => provider.forceFlush(),
  };
}

function emit(tracer: Tracer, record: SpanRecord, parent: Context, kind: SpanKind, offsetMs: number): void {
  const span = tracer.startSpan(record.name, { kind, startTime: record.startMs + offsetMs, attributes: record.attributes }, parent);
  if (record.error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: record.error });
  const context = trace.setSpan(parent, span);
  for (const child of record.children) emit(tracer, child, context, SpanKind.INTERNAL, offsetMs);
  span.end((record.endMs ?? record.startMs) + offsetMs);
}

/** The batch span processor's standard variables (the bare trace SDK leaves them to the SDK for Node). */
function batchOptionsFrom(env: Record<string, string | undefined>) {
  const count = (name: string) => {
    const value = Number(env[name]);
    return env[name]?.trim() && Number.isInteger(value) && value > 0 ? value : undefined;
  };
  const options = {
    scheduledDelayMillis: count('OTEL_BSP_SCHEDULE_DELAY'),
    exportTimeoutMillis: count('OTEL_BSP_EXPORT_TIMEOUT'),
    maxQueueSize: count('OTEL_BSP_MAX_QUEUE_SIZE'),
    maxExportBatchSize: count('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}
