import { asServingError, errorLogText, isUnexpectedError } from '../errors.ts';
import type { Manager } from '../manager/manager.ts';
import type { ServingMetrics } from '../metrics/serving-metrics.ts';
import { bearerCheck } from './bearer.ts';
import { jsonResponse, PayloadTooLargeError, type HttpHandler, type HttpRequest, type HttpResponse } from './exchange.ts';
import { handleInference, type InferenceContext, type RanVersion } from './inference.ts';
import { defaultMaxTensorBytes } from '../tensor/budget.ts';
import { runDirect, type RunFn } from '../manager/lease-run.ts';
import { deadlineExceeded, withinDeadline } from '../deadline.ts';
import { metadataBody, statusBody } from './model-info.ts';
import { EmptyBodyError, parseModelPath, type ModelPath } from './path.ts';
import { httpStatus } from './status-codes.ts';
import { isOipPath, json as oipJson, MethodNotAllowed, OIP_LIVE_PATH, OIP_READY_PATH, oipRoute, type OipRoute } from './oip.ts';
import { readinessBody } from './readiness.ts';
import { recordRequest } from '../apis/record-request.ts';
import { ROUTING_KEY_HEADER } from '../version/traffic.ts';

/**
 * The REST surface every target serves: TF Serving's /v1 API, the Open Inference Protocol's /v2
 * (oip.ts), health and Prometheus metrics, as one HttpHandler (exchange.ts) over any transport.
 * Targets build it once per process/isolate with their manager and mount it as their handler.
 *
 * Order, for every request: the repository's listing (refresh), then /healthz, /readyz and OIP's
 * probes, then auth (apiKeys), then metrics, then the APIs. GET routes answer HEAD too.
 */
export interface AppOptions {
  manager: Manager;
  metrics: ServingMetrics;
  /** Bearer tokens that may call the API; empty or absent: no authentication. */
  apiKeys?: string[];
  /** Largest accepted request body, compressed or not. */
  maxBodyBytes: number;
  /** Bytes one request's input tensors may take; default 16 x maxBodyBytes (core/tensor/budget.ts). */
  maxTensorBytes?: number;
  /** Deadline of one inference request (TF Serving's --rest_api_timeout_in_ms). */
  timeoutMs: number;
  cors?: boolean;
  /** Runs a servable; the batcher plugs in here. Default: one session.run per request. */
  run?: RunFn;
  /** Binary (application/x-protobuf) predict answers tensor_content instead of typed *_val fields. */
  tensorContent?: boolean;
  now?: () => number;
  /**
   * Awaited before every request: a repository root's lazy listing (core/manager/catalog.ts).
   * While it fails, /v1/ requests answer its error like any other error; health and metrics
   * answer as usual.
   */
  refresh?: () => Promise<void>;
}

export const HEALTH_PATH = '/healthz';
/** 200 when every model with tracked versions has one AVAILABLE, else 503; lists warming versions (readiness.ts). */
export const READY_PATH = '/readyz';
export const METRICS_PATH = '/monitoring/prometheus/metrics';

export function createApp(options: AppOptions): HttpHandler {
  const now = options.now ?? (() => performance.now());
  const run: RunFn = options.run ?? runDirect;
  const { refresh, cors } = options;
  const authorize = options.apiKeys?.length ? bearerCheck(options.apiKeys) : null;
  const maxTensorBytes = options.maxTensorBytes ?? defaultMaxTensorBytes(options.maxBodyBytes);
  const inference: InferenceContext = { ...options, maxTensorBytes, run };

  const route = async (req: HttpRequest): Promise<HttpResponse> => {
    const { pathname } = req;
    if (refresh) {
      try {
        // A stalled listing must not outlive the request's deadline; the listing goes on for later requests.
        await withinDeadline(refresh(), options.timeoutMs, () => deadlineExceeded(options.timeoutMs), () => {}, req.signal);
      } catch (err) {
        if (isApiPath(pathname)) return errorResponse(err, cors);
      }
    }
    const get = req.method === 'GET' || req.method === 'HEAD';
    if (get && pathname === HEALTH_PATH) return jsonResponse(200, JSON.stringify({ status: 'ok', models: options.manager.modelNames() }));
    if (get && pathname === READY_PATH) return readinessBody(options.manager);
    // OIP's probes, like /healthz, answer before auth; ready fails while the repository's listing does (refresh above).
    if (get && pathname === OIP_LIVE_PATH) return withCors(oipJson(200, { live: true }), cors);
    if (get && pathname === OIP_READY_PATH) return withCors(oipJson(200, { ready: true }), cors);
    const denied = authorize && (await authorize(req.header('authorization')));
    if (denied) return denied;
    if (get && pathname === METRICS_PATH) {
      return { status: 200, headers: { 'content-type': 'text/plain; version=0.0.4' }, body: options.metrics.registry.render() };
    }
    if (isOipPath(pathname)) return oip(req, options, run, now);
    if (!isApiPath(pathname)) return { status: 404, headers: { 'content-type': 'text/plain; charset=UTF-8' }, body: 'Not Found' };
    if (req.method === 'OPTIONS') return preflight(req, cors);
    return v1(req, options, inference, now);
  };

  return async (req) => {
    try {
      return await route(req);
    } catch (err) {
      return errorResponse(err, cors);
    }
  };
}

/** A /v1 request: parse the path, answer, record the metrics. */
async function v1(req: HttpRequest, options: AppOptions, inference: InferenceContext, now: () => number): Promise<HttpResponse> {
  const started = now();
  let path: ModelPath | undefined;
  let version = '';
  let label: string | undefined;
  const ran = (v: number, l?: string) => {
    version = String(v);
    label = l;
  };
  try {
    path = parseModelPath(req.method, req.pathname);
    const response = await dispatch(req, path, inference, ran);
    record(options, path, version, response.status, (now() - started) / 1000, label);
    return withCors(response, options.cors);
  } catch (err) {
    if (err instanceof EmptyBodyError) return withCors({ status: 400, headers: { 'content-type': 'application/json' }, body: '' }, options.cors);
    const response = errorResponse(err, options.cors);
    if (path) record(options, path, version, response.status, (now() - started) / 1000, label);
    return response;
  }
}

async function dispatch(req: HttpRequest, path: ModelPath, ctx: InferenceContext, ranVersion: RanVersion): Promise<HttpResponse> {
  const { manager } = ctx;
  if (path.api === 'status') {
    return jsonResponse(200, statusBody(await manager.status(path.model, path.version)));
  }
  if (path.api === 'metadata') {
    const lease = await manager.acquire(path.model, path, { timeoutMs: ctx.timeoutMs, signal: req.signal });
    try {
      ranVersion(lease.servable.version);
      return jsonResponse(200, metadataBody(path.model, lease.servable.version, lease.servable.session.signature));
    } finally {
      lease.release();
    }
  }
  return handleInference(req, path, ctx, ranVersion);
}

// OIP's liveness never depends on storage; everything else under /v2 does, as /v1 does.
const isApiPath = (pathname: string) => /^\/v1\//i.test(pathname) || (isOipPath(pathname) && pathname !== OIP_LIVE_PATH);

/** An Open Inference Protocol request (oip.ts) with the /v1 routes' limits, deadline, errors and metrics. */
async function oip(req: HttpRequest, options: AppOptions, run: RunFn, now: () => number): Promise<HttpResponse> {
  if (req.method === 'OPTIONS') return preflight(req, options.cors);
  const started = now();
  let route: OipRoute | undefined;
  let version = '';
  let label: string | undefined;
  let response: HttpResponse;
  try {
    route = oipRoute(req.method, req.pathname);
    response = await route.handle(req, {
      manager: options.manager,
      run,
      timeoutMs: options.timeoutMs,
      maxBodyBytes: options.maxBodyBytes,
      maxTensorBytes: options.maxTensorBytes ?? defaultMaxTensorBytes(options.maxBodyBytes),
      signal: req.signal,
      routingKey: req.header(ROUTING_KEY_HEADER),
      ranVersion: (v, l) => {
        version = String(v);
        label = l;
      },
    });
    response = withCors(response, options.cors);
  } catch (err) {
    response = errorResponse(err, options.cors);
  }
  if (route?.target) record(options, { api: route.api, model: route.target.model }, version, response.status, (now() - started) / 1000, label);
  return response;
}

function errorResponse(err: unknown, cors?: boolean): HttpResponse {
  const error = asServingError(err);
  if (isUnexpectedError(err)) console.error(`edgeserve: unexpected error: ${errorLogText(err)}`);
  const status = err instanceof PayloadTooLargeError ? 413 : err instanceof MethodNotAllowed ? 405 : httpStatus(error.code);
  const headers: Record<string, string> = err instanceof MethodNotAllowed ? { allow: err.allow } : {};
  return withCors(jsonResponse(status, JSON.stringify({ error: error.message }), headers), cors);
}

function preflight(req: HttpRequest, cors?: boolean): HttpResponse {
  const origin = req.header('origin') ?? '';
  const ok = origin.includes('http://') || origin.includes('https://');
  return withCors({ status: ok ? 200 : 400, headers: {}, body: '' }, cors);
}

function withCors(response: HttpResponse, cors?: boolean): HttpResponse {
  if (!cors) return response;
  response.headers['access-control-allow-origin'] = '*';
  response.headers['access-control-allow-methods'] = 'POST, GET';
  response.headers['access-control-allow-headers'] = 'Content-Type';
  return response;
}

function record(options: AppOptions, path: { api: string; model: string }, version: string, status: number, seconds: number, label?: string): void {
  recordRequest(options.manager, options.metrics, { model: path.model, version, api: path.api, status, seconds, label });
}
