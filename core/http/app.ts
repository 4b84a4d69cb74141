import type { ApiCall } from '../apis/call.ts';
import { serveRequest, type Answers, type ApiHost } from '../apis/serve-request.ts';
import { deadlineExceeded, withinDeadline } from '../deadline.ts';
import { asServingError, errorLogText, isUnexpectedError } from '../errors.ts';
import { ROUTING_KEY_HEADER } from '../version/traffic.ts';
import { bearerCheck } from './bearer.ts';
import { jsonResponse, PayloadTooLargeError, type HttpHandler, type HttpRequest, type HttpResponse } from './exchange.ts';
import { isOipPath, json as oipJson, MethodNotAllowed, OIP_LIVE_PATH, OIP_READY_PATH, oipRoute } from './oip.ts';
import { EmptyBodyError, parseModelPath } from './path.ts';
import { isReady, readinessBody } from './readiness.ts';
import { httpStatus } from './status-codes.ts';
import { v1Api } from './v1.ts';

/**
 * The REST surface every target serves: TF Serving's /v1 API (v1.ts), the Open Inference
 * Protocol's /v2 (oip.ts), health and Prometheus metrics, as one HttpHandler (exchange.ts) over
 * any transport. createService builds it once per process/isolate.
 *
 * Order, for every request: the repository's listing (refresh), then /healthz, /readyz and OIP's
 * probes, then auth (apiKeys), then metrics, then the APIs. GET routes answer HEAD too. Every API
 * request whose path names a model goes through the one request wrapper (core/apis/serve-request.ts):
 * deadline, errors as `{"error": ...}` with the status table's code, metrics, the rollback guard.
 */
export interface AppOptions {
  /** The APIs' services, the request recorder and the settings every transport shares (serve-request.ts). */
  host: ApiHost;
  cors?: boolean;
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
  const { refresh, cors, host } = options;
  const { services, recorder, timeoutMs, maxBodyBytes, tensorContent } = host;
  const { manager } = services;
  const authorize = host.apiKeys ? bearerCheck(host.apiKeys) : null;
  const answers: Answers<HttpResponse> = { fail: (err) => errorResponse(err, cors), status: (r) => r.status };
  const serve = (req: HttpRequest, api: string, model: string, work: (call: ApiCall) => Promise<HttpResponse>) =>
    serveRequest(recorder, answers, { api, model, timeoutMs, signal: req.signal, routingKey: req.header(ROUTING_KEY_HEADER), identity: () => ({ requestId: req.header('x-request-id'), traceparent: req.header('traceparent'), tracestate: req.header('tracestate') }) }, async (call) =>
      withCors(await work(call), cors),
    );

  const route = async (req: HttpRequest): Promise<HttpResponse> => {
    const { pathname } = req;
    if (refresh) {
      try {
        // A stalled listing must not outlive the request's deadline; the listing goes on for later requests.
        await withinDeadline(refresh(), timeoutMs, () => deadlineExceeded(timeoutMs), () => {}, req.signal);
      } catch (err) {
        if (isApiPath(pathname)) return errorResponse(err, cors);
      }
    }
    const get = req.method === 'GET' || req.method === 'HEAD';
    if (get && pathname === HEALTH_PATH) return jsonResponse(200, JSON.stringify({ status: 'ok', models: manager.modelNames() }));
    if (get && pathname === READY_PATH) return readinessBody(manager);
    // OIP's probes, like /healthz, answer before auth; ready is /readyz's verdict (and fails while the repository's listing does, above).
    if (get && pathname === OIP_LIVE_PATH) return withCors(oipJson(200, { live: true }), cors);
    if (get && pathname === OIP_READY_PATH) {
      const ready = isReady(manager);
      return withCors(oipJson(ready ? 200 : 503, { ready }), cors);
    }
    const denied = authorize && (await authorize(req.header('authorization')));
    if (denied) return denied;
    if (get && pathname === METRICS_PATH) {
      return { status: 200, headers: { 'content-type': 'text/plain; version=0.0.4' }, body: recorder.metrics.registry.render() };
    }
    if (isOipPath(pathname)) {
      if (req.method === 'OPTIONS') return preflight(req, cors);
      const oip = oipRoute(req.method, pathname);
      if (!('target' in oip)) return withCors(oip.answer(), cors);
      return serve(req, oip.api, oip.target.model, (call) => oip.handle(req, { services, call, maxBodyBytes }));
    }
    if (!isApiPath(pathname)) return { status: 404, headers: { 'content-type': 'text/plain; charset=UTF-8' }, body: 'Not Found' };
    if (req.method === 'OPTIONS') return preflight(req, cors);
    const path = parseModelPath(req.method, pathname);
    return serve(req, path.api, path.model, (call) => v1Api(req, path, call, { services, maxBodyBytes, tensorContent }));
  };

  return async (req) => {
    try {
      return await route(req);
    } catch (err) {
      if (err instanceof EmptyBodyError) return withCors({ status: 400, headers: { 'content-type': 'application/json' }, body: '' }, cors);
      return errorResponse(err, cors);
    }
  };
}

// OIP's liveness never depends on storage; everything else under /v2 does, as /v1 does.
const isApiPath = (pathname: string) => /^\/v1\//i.test(pathname) || (isOipPath(pathname) && pathname !== OIP_LIVE_PATH);

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
