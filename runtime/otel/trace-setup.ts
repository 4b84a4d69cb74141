import type { TraceContext, TraceExport } from '../../core/trace/trace-export.ts';

/** Environment variables, or a Worker's env (whose bindings are not all strings). */
type Env = Record<string, unknown>;

/** An environment variable's value, when it is a string (a Worker's env also holds bindings). */
export const envText = (env: Env, name: string) => (typeof env[name] === 'string' ? (env[name] as string) : undefined);

/**
 * Whether OpenTelemetry's standard variables ask for traces: an OTLP endpoint is set
 * (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT) and neither
 * OTEL_SDK_DISABLED=true nor OTEL_TRACES_EXPORTER=none turns them off.
 */
export function tracingConfigured(env: Env): boolean {
  const endpoint = envText(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') || envText(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  return Boolean(endpoint) && envText(env, 'OTEL_SDK_DISABLED')?.trim().toLowerCase() !== 'true' && envText(env, 'OTEL_TRACES_EXPORTER')?.trim().toLowerCase() !== 'none';
}

/** The signal's own endpoint as given, else the base endpoint's /v1/traces (the OTLP exporter specification's rule). */
export function tracesUrl(env: Env): string {
  const own = envText(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  if (own) return own;
  return `${(envText(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') ?? '').replace(/\/+$/, '')}/v1/traces`;
}

/**
 * TraceExport.sampled for OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (default
 * parentbased_always_on): under a parent-based sampler the client's sampled flag decides; other
 * traces are kept with the ratio's probability. Decided once, as the request starts.
 */
export function samplerFrom(env: Env, random: () => number = Math.random): (parent: TraceContext | undefined) => boolean {
  const { parentBased, ratio } = samplingFrom(env);
  return (parent) => (parent && parentBased ? parent.sampled : ratio > 0 && (ratio >= 1 || random() < ratio));
}

function samplingFrom(env: Env): { parentBased: boolean; ratio: number } {
  const name = (envText(env, 'OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on').trim().toLowerCase();
  const arg = envText(env, 'OTEL_TRACES_SAMPLER_ARG')?.trim();
  const given = arg ? Number(arg) : 1;
  const root = name.replace(/^parentbased_/, '');
  const ratio = root === 'always_off' ? 0 : root === 'traceidratio' && given >= 0 && given <= 1 ? given : 1;
  return { parentBased: name.startsWith('parentbased_') || !['always_on', 'always_off', 'traceidratio'].includes(name), ratio };
}

/**
 * The trace export the environment asks for on Node, the container, Lambda and Deno
 * (otlp-traces.ts: OpenTelemetry's SDK), or undefined. The SDK is imported only then: a server
 * without traces neither loads nor pays for it at start.
 */
export async function traceExportFrom(env: Record<string, string | undefined>): Promise<TraceExport | undefined> {
  if (!tracingConfigured(env)) return undefined;
  return (await import('./otlp-traces.ts')).otlpTraceExport(env);
}
