import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { bearerAuth } from 'hono/bearer-auth';
import { bodyLimit } from 'hono/body-limit';
import { asServingError, errorLogText, isUnexpectedError } from '../errors.ts';
import type { Manager } from '../manager/manager.ts';
import type { ServingMetrics } from '../metrics/serving-metrics.ts';
import { PayloadTooLargeError } from './body.ts';
import { handleInference } from './inference.ts';
import { defaultMaxTensorBytes } from '../tensor/budget.ts';
import { deadlineExceeded, runDirect, withinDeadline, type RunFn } from '../manager/lease-run.ts';
import { metadataBody, statusBody } from './model-info.ts';
import { EmptyBodyError, parseModelPath, type ModelPath } from './path.ts';
import { httpStatus } from './status-codes.ts';
import { isOipPath, json as oipJson, MethodNotAllowed, OIP_LIVE_PATH, OIP_READY_PATH, oipRoute, type OipRoute } from './oip.ts';
import { readinessBody } from './readiness.ts';

/**
 * The REST surface every target serves: TF Serving's /v1 API, the Open Inference Protocol's /v2
 * (oip.ts), health and Prometheus metrics.
 * Targets build it once per process/isolate with their manager and mount it as their handler.
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

export function createApp(options: AppOptions): Hono {
  const app = new Hono();
  const now = options.now ?? (() => performance.now());
  const run: RunFn = options.run ?? runDirect;
  const { refresh } = options;

  if (refresh) {
    app.use('*', async (c, next) => {
      try {
        // A stalled listing must not outlive the request's deadline; the listing goes on for later requests.
        await withinDeadline(refresh(), options.timeoutMs, () => deadlineExceeded(options.timeoutMs), () => {}, c.req.raw.signal);
      } catch (err) {
        if (isApiPath(new URL(c.req.url).pathname)) return errorResponse(c, err, options.cors);
      }
      await next();
    });
  }

  app.get(HEALTH_PATH, (c) => c.json({ status: 'ok', models: options.manager.modelNames() }));
  app.get(READY_PATH, () => readinessBody(options.manager));
  // OIP's probes, like /healthz, answer before auth; ready fails while the repository's listing does (refresh above).
  app.get(OIP_LIVE_PATH, () => withCors(oipJson(200, { live: true }), options.cors));
  app.get(OIP_READY_PATH, () => withCors(oipJson(200, { ready: true }), options.cors));

  if (options.apiKeys?.length) {
    const unauthorized = { message: { error: 'Missing or invalid API key' } };
    const auth = bearerAuth({
      token: options.apiKeys,
      noAuthenticationHeader: unauthorized,
      invalidAuthenticationHeader: { message: { error: 'Malformed Authorization header' } },
      invalidToken: unauthorized,
    });
    // Registered after the health route, so /healthz answers before auth runs (Hono runs in order).
    app.use('*', auth);
  }

  app.get(METRICS_PATH, (c) => c.text(options.metrics.registry.render(), 200, { 'content-type': 'text/plain; version=0.0.4' }));

  app.use(
    '*',
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: (c) => errorResponse(c, new PayloadTooLargeError(options.maxBodyBytes), options.cors),
    }),
  );

  app.all('*', async (c) => {
    const pathname = new URL(c.req.url).pathname;
    if (isOipPath(pathname)) return oip(c, pathname, options, run, now);
    if (!isApiPath(pathname)) return c.text('Not Found', 404);
    if (c.req.method === 'OPTIONS') return preflight(c, options.cors);
    const started = now();
    let path: ModelPath | undefined;
    let version = '';
    let label: string | undefined;
    const ran = (v: number, l?: string) => {
      version = String(v);
      label = l;
    };
    try {
      path = parseModelPath(c.req.method, pathname);
      const response = await dispatch(c, path, options, run, ran);
      record(options, path, version, response.status, (now() - started) / 1000, label);
      return withCors(response, options.cors);
    } catch (err) {
      if (err instanceof EmptyBodyError) return withCors(new Response('', { status: 400, headers: jsonHeaders() }), options.cors);
      const response = errorResponse(c, err, options.cors);
      if (path) record(options, path, version, response.status, (now() - started) / 1000, label);
      return response;
    }
  });

  app.onError((err, c) => (err instanceof HTTPException ? err.getResponse() : errorResponse(c, err, options.cors)));
  return app;
}

async function dispatch(
  c: Context,
  path: ModelPath,
  options: AppOptions,
  run: RunFn,
  ranVersion: (v: number, label?: string) => void,
): Promise<Response> {
  const { manager } = options;
  if (path.api === 'status') {
    return json(statusBody(await manager.status(path.model, path.version)));
  }
  if (path.api === 'metadata') {
    const lease = await manager.acquire(path.model, path, { timeoutMs: options.timeoutMs, signal: c.req.raw.signal });
    try {
      ranVersion(lease.servable.version);
      return json(metadataBody(path.model, lease.servable.version, lease.servable.session.signature));
    } finally {
      lease.release();
    }
  }
  const maxTensorBytes = options.maxTensorBytes ?? defaultMaxTensorBytes(options.maxBodyBytes);
  return handleInference(c.req.raw, path, { ...options, maxTensorBytes, run, ranVersion });
}

// OIP's liveness never depends on storage; everything else under /v2 does, as /v1 does.
const isApiPath = (pathname: string) => /^\/v1\//i.test(pathname) || (isOipPath(pathname) && pathname !== OIP_LIVE_PATH);

/** An Open Inference Protocol request (oip.ts) with the /v1 routes' limits, deadline, errors and metrics. */
async function oip(c: Context, pathname: string, options: AppOptions, run: RunFn, now: () => number): Promise<Response> {
  if (c.req.method === 'OPTIONS') return preflight(c, options.cors);
  const started = now();
  let route: OipRoute | undefined;
  let version = '';
  let response: Response;
  try {
    route = oipRoute(c.req.method, pathname);
    response = await route.handle(c.req.raw, {
      manager: options.manager,
      run,
      timeoutMs: options.timeoutMs,
      maxBodyBytes: options.maxBodyBytes,
      maxTensorBytes: options.maxTensorBytes ?? defaultMaxTensorBytes(options.maxBodyBytes),
      signal: c.req.raw.signal,
      ranVersion: (v) => (version = String(v)),
    });
    response = withCors(response, options.cors);
  } catch (err) {
    response = errorResponse(c, err, options.cors);
  }
  if (route?.target) record(options, { api: route.api, model: route.target.model }, version, response.status, (now() - started) / 1000);
  return response;
}

// A fresh object per response: @hono/node-server writes content-length into the init headers.
const jsonHeaders = () => ({ 'content-type': 'application/json' });

function json(body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { status: 200, headers: { ...jsonHeaders(), ...headers } });
}

function errorResponse(c: Context, err: unknown, cors?: boolean): Response {
  const error = asServingError(err);
  if (isUnexpectedError(err)) console.error(`edgeserve: unexpected error: ${errorLogText(err)}`);
  const status = err instanceof PayloadTooLargeError ? 413 : err instanceof MethodNotAllowed ? 405 : httpStatus(error.code);
  const headers: Record<string, string> = err instanceof MethodNotAllowed ? { ...jsonHeaders(), allow: err.allow } : jsonHeaders();
  return withCors(new Response(JSON.stringify({ error: error.message }), { status, headers }), cors);
}

function preflight(c: Context, cors?: boolean): Response {
  const origin = c.req.header('origin') ?? '';
  const ok = origin.includes('http://') || origin.includes('https://');
  return withCors(new Response('', { status: ok ? 200 : 400 }), cors);
}

function withCors(response: Response, cors?: boolean): Response {
  if (!cors) return response;
  response.headers.set('Access-Control-Allow-Origin', '*');
  response.headers.set('Access-Control-Allow-Methods', 'POST, GET');
  response.headers.set('Access-Control-Allow-Headers', 'Content-Type');
  return response;
}

function record(options: AppOptions, path: { api: string; model: string }, version: string, status: number, seconds: number, label?: string): void {
  // Unknown names share one series, so callers cannot grow the metrics without bound.
  const model = options.manager.has(path.model) ? path.model : '(unknown)';
  const labels = { model, version, api: path.api };
  const { metrics } = options;
  metrics.requests.inc({ ...labels, status: String(status) });
  metrics.requestLatency.observe(labels, seconds);
  if (version === '' || !['predict', 'classify', 'regress'].includes(path.api)) return;
  // Progressive delivery: per-label series, and the rollback guard's count (5xx only).
  options.manager.recordOutcome(model, Number(version), status >= 500);
  if (label === undefined) return;
  metrics.labelRequests.inc({ model, label, version, status: String(status) });
  metrics.labelLatency.observe({ model, label, version }, seconds);
}
