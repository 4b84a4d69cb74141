import { deadlineAfter, type RunSignal } from '../deadline.ts';
import { asServingError, type ServingError } from '../errors.ts';
import type { Manager } from '../manager/manager.ts';
import type { ServingMetrics } from '../metrics/serving-metrics.ts';
import type { ApiKeyCheck } from '../auth/api-keys.ts';
import type { ApiCall, ApiServices } from './call.ts';
import type { ModelConfig } from '../config/model-config.ts';
import { logRequest, type RequestIdentity, type RequestLog } from './request-log.ts';
import { childSpan, endSpan, rootSpan, type SpanRecord } from '../trace/spans.ts';
import { parseTraceparent, type TraceContext, type TraceExport } from '../trace/trace-export.ts';
import type { Capture } from '../capture/capture.ts';

/**
 * The one request wrapper, for every transport (REST JSON, binary HTTP, OIP over REST and gRPC,
 * TF Serving's gRPC): it starts the request's deadline, hands the API work an ApiCall, turns what
 * the work throws into the transport's answer, and records the outcome exactly once, however the
 * request ended:
 * - the request counter and latency, labelled model, version, api, status;
 * - for a call that ran inputs on a version (call.ran.inference), the rollback guard's count (any
 *   failed answer but a client's 499; the guard compares versions) and, when a traffic label chose
 *   the version, the per-label series;
 * - the request log's entry and the trace (core/trace: spans are recorded only when one of them
 *   will read them; whether a trace is sampled is decided as the request starts);
 * - model.json's capture of the request (core/capture), for a call that ran inputs.
 * Model names the manager does not serve share one "(unknown)" series, so callers cannot grow the
 * metrics without bound.
 */
/**
 * What every transport (the REST app, the gRPC server) serves the APIs with, resolved once from
 * the settings by createService, so a setting means the same on every transport.
 */
export interface ApiHost {
  services: ApiServices;
  recorder: RequestRecorder;
  /** --api_keys; null when no key is required. */
  apiKeys: ApiKeyCheck | null;
  /** Deadline of a request that brings none (TF Serving's --rest_api_timeout_in_ms; gRPC calls may carry their own). */
  timeoutMs: number;
  /** Largest request body or message. */
  maxBodyBytes: number;
  /** Protobuf predict answers write tensor_content instead of typed *_val fields. */
  tensorContent: boolean;
  /**
   * Replaces the served model list (ModelService.HandleReloadConfigRequest, a re-read config
   * file: Manager.reconfigure); null where the models are a repository root's folders.
   */
  reloadConfig: ((configs: ModelConfig[]) => void) | null;
}

export interface RequestRecorder {
  manager: Manager;
  metrics: ServingMetrics;
  /** Monotonic milliseconds. */
  now: () => number;
  /** --request_log (request-log.ts); absent: off. */
  requestLog?: RequestLog;
  /** The target's trace export (core/trace/trace-export.ts); absent: no traces. */
  traces?: TraceExport;
  /** model.json's captured requests (core/capture); absent: the target cannot write them. */
  capture?: Capture;
}

/** How a transport answers: a failure as its answer, and any answer's HTTP status for the metrics. */
export interface Answers<A> {
  /** The answer to a thrown error; logs unexpected ones. */
  fail(err: unknown): A;
  /** The HTTP status of an answer (gRPC: the HTTP status of its code). */
  status(answer: A): number;
}

export interface RequestStart {
  /** The metrics' api label: predict, grpc_predict, oip_infer, ... */
  api: string;
  /** The model as the request names it, when the transport knows it before decoding the body. */
  model?: string;
  timeoutMs: number;
  signal?: RunSignal;
  routingKey?: string;
  /** x-request-id, traceparent and tracestate as the client sent them, read only when a log entry or trace is written. */
  identity?: () => RequestIdentity;
}

export async function serveRequest<A>(
  recorder: RequestRecorder,
  answers: Answers<A>,
  start: RequestStart,
  work: (call: ApiCall) => Promise<A>,
): Promise<A> {
  const started = recorder.now();
  const call: ApiCall = { timeLeft: deadlineAfter(start.timeoutMs), signal: start.signal, routingKey: start.routingKey, model: start.model ?? '' };
  let ids: RequestIdentity | undefined;
  const identity = () => (ids ??= start.identity?.() ?? {});
  // Spans are recorded only for a consumer: the request log's timings, or a sampled trace.
  const parent = recorder.traces && parseTraceparent(identity().traceparent, identity().tracestate);
  const sampled = recorder.traces?.sampled(parent) === true;
  const traced = recorder.requestLog !== undefined || sampled;
  if (traced) call.span = rootSpan(start.api, started);
  let answer: A;
  let failure: ServingError | undefined;
  try {
    answer = await work(call);
    if (call.span) recordEncode(call.span, recorder.now());
  } catch (err) {
    if (traced || recorder.capture) failure = asServingError(err);
    answer = answers.fail(err);
  }
  const status = answers.status(answer);
  const ended = recorder.now();
  const seconds = (ended - started) / 1000;
  record(recorder, start.api, call, status, seconds);
  if (traced) {
    logRequest(recorder.requestLog, call, { api: start.api, status, seconds, failure, identity });
    if (sampled) exportTrace(recorder.traces!, start, call, { status, ended, failure, parent });
  }
  if (recorder.capture && call.ran?.inference) offerCapture(recorder.capture, recorder.manager, start.api, call, status, failure, identity);
  return answer;
}

/** Offers the request to model.json's capture, when the model asks for one (core/capture/capture.ts). */
function offerCapture(capture: Capture, manager: Manager, api: string, call: ApiCall, status: number, failure: ServingError | undefined, identity: () => RequestIdentity): void {
  const ran = call.ran!;
  const wanted = manager.captureFor(ran.model);
  if (!wanted) return;
  capture.offer(
    {
      requestId: identity().requestId,
      api,
      model: ran.model,
      version: ran.version,
      label: ran.label,
      status,
      ...(failure && { error: { code: failure.code, message: failure.message } }),
      ...(call.io && { inputs: call.io.inputs, inputSpecs: call.io.inputSpecs, outputs: call.io.outputs }),
    },
    wanted.settings,
    wanted.location,
  );
}

/** The answer's encoding: from the end of the request's last run to its answer (the work's end). */
function recordEncode(span: SpanRecord, answeredMs: number): void {
  let run: SpanRecord | undefined;
  for (const child of span.children) if (child.name === 'run' && child.endMs !== undefined) run = child;
  if (run) endSpan(childSpan(span, 'encode', run.endMs!), answeredMs);
}

/** Ends the request's span, names what it reached, and hands the trace to the export. */
function exportTrace(traces: TraceExport, start: RequestStart, call: ApiCall, at: { status: number; ended: number; failure?: ServingError; parent?: TraceContext }): void {
  const span = call.span!;
  // A server span fails on a 5xx; a client's 4xx is the client's error (OpenTelemetry's HTTP conventions).
  endSpan(span, at.ended, at.status >= 500 ? (at.failure?.message ?? String(at.status)) : undefined);
  Object.assign(span.attributes, {
    'edgeserve.api': start.api,
    'edgeserve.model': call.ran?.model ?? call.model,
    ...(call.ran && { 'edgeserve.version': call.ran.version }),
    ...(call.ran?.label !== undefined && { 'edgeserve.label': call.ran.label }),
    'http.response.status_code': at.status,
    ...(at.failure && { 'error.type': at.failure.code }),
  });
  traces.export({ root: span, parent: at.parent, epochOffsetMs: Date.now() - at.ended });
}

function record({ manager, metrics }: RequestRecorder, api: string, call: ApiCall, status: number, seconds: number): void {
  const model = manager.has(call.model) ? call.model : '(unknown)';
  const version = call.ran ? String(call.ran.version) : '';
  metrics.requests.inc({ model, version, api, status: String(status) });
  metrics.requestLatency.observe({ model, version, api }, seconds);
  if (!call.ran?.inference) return;
  // Any failed request that reached the version counts, 4xx included (the guard compares versions,
  // rollback.ts); a client that gave up (499) says nothing about the version.
  manager.recordOutcome(model, call.ran.version, status >= 400 && status !== 499);
  const { label } = call.ran;
  if (label === undefined) return;
  metrics.labelRequests.inc({ model, label, version, status: String(status) });
  metrics.labelLatency.observe({ model, label, version }, seconds);
}
