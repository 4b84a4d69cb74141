import type { ApiCall } from './call.ts';
import { parseTraceparent } from '../trace/trace-export.ts';

/**
 * The request log (--request_log, REQUEST_LOG on the isolate targets): one structured entry per
 * request, from the one request wrapper (serve-request.ts), so every API and transport logs alike.
 * The target writes it its platform's way (ServiceCapabilities.writeRequestLog): a JSON line on
 * stdout on Node, the container and Lambda (whose log stream adds its request id), the object
 * through console.log on Workers (Workers Logs index its fields).
 * - off (the default) costs one comparison per request;
 * - errors logs the requests answered 4xx or 5xx;
 * - all logs them, and a sampleRate share of the others.
 * The request id is the client's x-request-id (gRPC metadata too) or a new UUID; the trace id is
 * the W3C traceparent's, when the client sends one. When inputs ran: the time queued for a batch,
 * the run's time, the batch's rows and the answer's encoding, read from the request's spans
 * (core/trace/spans.ts).
 * Nothing of the request's body is logged.
 */
export interface RequestLogEntry {
  time: string;
  request_id: string;
  api: string;
  model: string;
  version?: number;
  label?: string;
  status: number;
  error_code?: string;
  error?: string;
  latency_ms: number;
  /** Waiting in the batch queue, the run (the whole batch's), the batch's rows: when inputs ran. */
  queue_ms?: number;
  run_ms?: number;
  batch_size?: number;
  /** From the run's end to the answer: encoding the outputs (a pipeline's output steps are inside the run). */
  encode_ms?: number;
  trace_id?: string;
}

export interface RequestLog {
  mode: 'off' | 'errors' | 'all';
  sampleRate: number;
  write(entry: RequestLogEntry): void;
  /** Uniform in [0, 1) for sampling; default Math.random. */
  random?: () => number;
}

/** What the transport knows of the request's identity. */
export interface RequestIdentity {
  requestId?: string;
  traceparent?: string;
  tracestate?: string;
}

export function logRequest(
  log: RequestLog | undefined,
  call: ApiCall,
  at: { api: string; status: number; seconds: number; failure?: { code: string; message: string }; identity?: () => RequestIdentity },
): void {
  if (!log || log.mode === 'off') return;
  const failed = at.status >= 400;
  if (!failed && (log.mode !== 'all' || (log.random ?? Math.random)() >= log.sampleRate)) return;
  const identity = at.identity?.() ?? {};
  const trace = parseTraceparent(identity.traceparent)?.traceId;
  const spans = call.span?.children ?? [];
  const queue = spans.find((s) => s.name === 'queue');
  const runs = spans.filter((s) => s.name === 'run' && s.endMs !== undefined);
  const encode = spans.find((s) => s.name === 'encode');
  log.write({
    time: new Date().toISOString(),
    request_id: identity.requestId || crypto.randomUUID(),
    api: at.api,
    model: call.ran?.model ?? call.model,
    ...(call.ran && { version: call.ran.version }),
    ...(call.ran?.label !== undefined && { label: call.ran.label }),
    status: at.status,
    ...(at.failure && { error_code: at.failure.code, error: at.failure.message }),
    latency_ms: Math.round(at.seconds * 1e6) / 1e3,
    ...(queue?.endMs !== undefined && { queue_ms: ms(queue.endMs - queue.startMs) }),
    ...(runs.length > 0 && {
      run_ms: ms(runs.reduce((sum, s) => sum + s.endMs! - s.startMs, 0)),
      batch_size: Math.max(...runs.map((s) => Number(s.attributes.batch_size))),
    }),
    ...(encode?.endMs !== undefined && { encode_ms: ms(encode.endMs - encode.startMs) }),
    ...(trace && { trace_id: trace }),
  });
}

const ms = (x: number) => Math.round(x * 1e3) / 1e3;
