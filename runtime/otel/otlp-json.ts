import type { SpanRecord } from '../../core/trace/spans.ts';
import type { RequestTrace, TraceExport } from '../../core/trace/trace-export.ts';
import { envText, samplerFrom, tracesUrl } from './trace-setup.ts';

/**
 * Traces on Cloudflare Workers: each request's spans go out as one OTLP/HTTP JSON request
 * (ExportTraceServiceRequest, https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding),
 * sent by `send` from that request's own context (the Worker passes it to the request's
 * waitUntil). OpenTelemetry's SDK is not used there, for two reasons (docs/observability.md):
 * its batch processor keeps one queue, timer and export in flight for the whole isolate, so one
 * request's waitUntil would await I/O another request started, which Workers refuse or cancel as
 * hung; and it adds 180 KB minified to the bundle, which took 42 ms to import in Node.
 *
 * The same variables as otlp-traces.ts: the endpoint, OTEL_EXPORTER_OTLP_HEADERS (k=v,k2=v2,
 * URL-encoded values), OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER / _ARG (parent-based: a client's
 * unsampled traceparent is honoured; a new trace is kept with the ratio's probability).
 */
export function otlpJsonExport(env: Record<string, unknown>, send: (url: string, init: RequestInit) => void, random: () => number = Math.random): TraceExport {
  const text = (name: string) => envText(env, name);
  const url = tracesUrl(env);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const pair of (text('OTEL_EXPORTER_OTLP_HEADERS') ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at > 0) headers[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  const service = text('OTEL_SERVICE_NAME') || 'edgeserve';
  return {
    sampled: samplerFrom(env, random),
    export(trace) {
      send(url, { method: 'POST', headers, body: JSON.stringify(exportRequest(trace, service)) });
    },
    flush: async () => {},
  };
}

/** The OTLP JSON body for one request's spans. */
export function exportRequest({ root, parent, epochOffsetMs }: RequestTrace, service: string): unknown {
  const traceId = parent?.traceId ?? hexId(16);
  const spans: unknown[] = [];
  const add = (span: SpanRecord, parentSpanId: string | undefined, kind: number) => {
    const spanId = hexId(8);
    spans.push({
      traceId,
      spanId,
      ...(parentSpanId && { parentSpanId }),
      ...(kind === SERVER && parent?.traceState && { traceState: parent.traceState }),
      name: span.name,
      kind,
      startTimeUnixNano: nanos(span.startMs + epochOffsetMs),
      endTimeUnixNano: nanos((span.endMs ?? span.startMs) + epochOffsetMs),
      attributes: Object.entries(span.attributes).map(([key, value]) => ({ key, value: anyValue(value) })),
      status: span.error === undefined ? {} : { code: 2, message: span.error },
    });
    for (const child of span.children) add(child, spanId, INTERNAL);
  };
  add(root, parent?.spanId, SERVER);
  return {
    resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ scope: { name: 'edgeserve' }, spans }] }],
  };
}

// OTLP's SpanKind values.
const INTERNAL = 1;
const SERVER = 2;

function anyValue(value: string | number | boolean): Record<string, unknown> {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
}

/** Milliseconds (fractional) since the epoch as OTLP's nanosecond string. */
function nanos(ms: number): string {
  const whole = Math.floor(ms);
  return (BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6))).toString();
}

function hexId(bytes: number): string {
  const id = crypto.getRandomValues(new Uint8Array(bytes));
  if (id.every((b) => b === 0)) id[0] = 1;
  return Array.from(id, (b) => b.toString(16).padStart(2, '0')).join('');
}
