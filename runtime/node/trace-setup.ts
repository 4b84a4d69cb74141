import type { TraceExport } from '../../core/trace/trace-export.ts';

type Env = Record<string, string | undefined>;

/**
 * Whether OpenTelemetry's standard variables ask for traces: an OTLP endpoint is set
 * (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT) and neither
 * OTEL_SDK_DISABLED=true nor OTEL_TRACES_EXPORTER=none turns them off.
 */
export function tracingConfigured(env: Env): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return Boolean(endpoint) && env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true' && env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() !== 'none';
}

/**
 * The trace export the environment asks for (otlp-traces.ts), or undefined. OpenTelemetry's SDK
 * is imported only then: a server without traces neither loads nor pays for it at start.
 */
export async function traceExportFrom(env: Env): Promise<TraceExport | undefined> {
  if (!tracingConfigured(env)) return undefined;
  return (await import('./otlp-traces.ts')).otlpTraceExport(env);
}
