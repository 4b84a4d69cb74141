import type { SpanRecord } from './spans.ts';

/**
 * Traces: how a target sends a request's spans (spans.ts) on, parented to the client's trace.
 * Core records; the target exports its platform's way (Node, the container and Lambda: the
 * OpenTelemetry SDK over OTLP/HTTP, runtime/otel/otlp-traces.ts). Without a TraceExport no span
 * is recorded for it and nothing is read from the request.
 *
 * Contract of TraceExport:
 * - sampled() is asked once per request, as it starts, with the client's trace context: false,
 *   and nothing of the request is recorded or exported for traces (an unsampled request costs a
 *   header read). The export decides it (the client's sampled flag, a ratio for new traces).
 * - export() is called once per finished, sampled request, after its answer is made, from the
 *   request's own context; it must not throw or block (queue and send later).
 * - flush() resolves once everything exported so far was sent or given up on: Lambda awaits it
 *   before an invocation ends, a server before it exits.
 */
export interface TraceExport {
  sampled(parent: TraceContext | undefined): boolean;
  export(trace: RequestTrace): void;
  flush(): Promise<void>;
}

export interface RequestTrace {
  /** The request's span; its children say where the time went. */
  root: SpanRecord;
  /** The client's trace context (W3C traceparent and tracestate), when it sent a valid one. */
  parent?: TraceContext;
  /** Add to a span's monotonic milliseconds to get Unix epoch milliseconds. */
  epochOffsetMs: number;
}

export interface TraceContext {
  traceId: string;
  spanId: string;
  sampled: boolean;
  /** The client's tracestate, passed on unchanged. */
  traceState?: string;
}

const TRACEPARENT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?$/;

/**
 * A W3C traceparent header (https://www.w3.org/TR/trace-context/#traceparent-header): version
 * 00 exactly, later versions by their first four fields; all-zero ids and version ff are invalid
 * (undefined: the request starts a new trace).
 */
export function parseTraceparent(traceparent: string | undefined, tracestate?: string): TraceContext | undefined {
  const match = TRACEPARENT.exec(traceparent?.trim() ?? '');
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1, ...(tracestate?.trim() && { traceState: tracestate.trim() }) };
}
