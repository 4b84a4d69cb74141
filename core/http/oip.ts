import { invalidArgument, ServingError } from '../errors.ts';
import type { ApiCall, ApiServices, Target } from '../apis/call.ts';
import { OIP_EXTENSIONS, OIP_SERVER_NAME, OIP_SERVER_VERSION, oipInfer, oipModelMetadata, oipModelReady, oipTarget } from '../apis/oip.ts';
import { encodeInferResponse } from '../tensor/oip/encode.ts';
import { HEADER_LENGTH, readInferBody, type OipRequest } from '../tensor/oip/request.ts';
import { MODEL_LABEL_HEADER } from '../version/traffic.ts';
import { readBodyBytes } from './body.ts';
import { jsonResponse, type HttpRequest, type HttpResponse } from './exchange.ts';

/**
 * The Open Inference Protocol's REST routes (KServe v2), beside TF Serving's /v1 in app.ts and
 * through the same body limit, auth, refresh, manager, RunFn, deadline and metrics:
 *   GET  /v2                                                   server metadata
 *   GET  /v2/health/live | /v2/health/ready                    (registered before auth, as /healthz)
 *   GET  /v2/models/{name}[/versions/{v} | /labels/{label}]    model metadata
 *   GET  .../ready                                             model ready: 200 {"ready": true} or 503 {"ready": false}
 *   POST .../infer                                             inference, JSON or Triton's binary tensor data
 * `/labels/{label}` is our extension (the spec has versions only; its grammar has no `labels`
 * segment, so nothing collides). Paths are case-sensitive, name and label percent-decoded.
 * Errors: `{"error": "..."}` with the canonical code's HTTP status (status-codes.ts); unknown
 * paths 404, a known path with the wrong method 405.
 */
export type OipApi = 'oip_infer' | 'oip_metadata' | 'oip_ready' | 'oip_server';

export type OipRoute = ModelRoute | { api: 'oip_server'; answer(): HttpResponse };

/** A route that names a model. */
export interface ModelRoute {
  api: Exclude<OipApi, 'oip_server'>;
  target: Target;
  /** Decodes the request, calls the core API (core/apis/oip.ts) within `call`, encodes its answer. */
  handle(req: HttpRequest, ctx: OipRouteContext): Promise<HttpResponse>;
}

export interface OipRouteContext {
  services: ApiServices;
  call: ApiCall;
  /** Largest accepted request body. */
  maxBodyBytes: number;
}

export const OIP_LIVE_PATH = '/v2/health/live';
export const OIP_READY_PATH = '/v2/health/ready';

const MODEL_RE = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+)|\/labels\/([^/]+))?(?:\/(ready|infer))?$/;

export const isOipPath = (pathname: string) => pathname === '/v2' || pathname.startsWith('/v2/');

/** The route a request names; throws NOT_FOUND (unknown path) or a 405 error (wrong method). */
export function oipRoute(method: string, pathname: string): OipRoute {
  if (pathname === '/v2' || pathname === '/v2/') {
    requireMethod(method, 'GET');
    return { api: 'oip_server', answer: () => json(200, { name: OIP_SERVER_NAME, version: OIP_SERVER_VERSION, extensions: OIP_EXTENSIONS }) };
  }
  const match = MODEL_RE.exec(pathname);
  if (!match) throw new ServingError('NOT_FOUND', `No such Open Inference Protocol path: ${pathname.slice(0, 200)}`);
  const [, rawName, rawVersion, rawLabel, verb] = match;
  const target = oipTarget(decode(rawName), rawVersion === undefined ? undefined : decode(rawVersion));
  if (rawLabel !== undefined) target.label = decode(rawLabel);
  if (verb === 'infer') {
    requireMethod(method, 'POST');
    return { api: 'oip_infer', target, handle: (req, ctx) => infer(req, target, ctx) };
  }
  requireMethod(method, 'GET');
  if (verb === 'ready') {
    return {
      api: 'oip_ready',
      target,
      handle: async (_req, ctx) => {
        const ready = await oipModelReady(ctx.services, ctx.call, target);
        return json(ready ? 200 : 503, { name: target.model, ready });
      },
    };
  }
  return { api: 'oip_metadata', target, handle: async (_req, ctx) => json(200, await oipModelMetadata(ctx.services, ctx.call, target)) };
}

async function infer(req: HttpRequest, target: Target, ctx: OipRouteContext): Promise<HttpResponse> {
  const headerText = req.header(HEADER_LENGTH);
  const headerLength = headerText === undefined ? undefined : /^\d+$/.test(headerText.trim()) ? Number(headerText.trim()) : NaN;
  if (Number.isNaN(headerLength)) throw invalidArgument('Inference-Header-Content-Length must be a byte count');
  const request = readInferBody(await readBodyBytes(req, ctx.maxBodyBytes), headerLength);
  const binary = binaryOutputs(request);
  const result = await oipInfer(ctx.services, ctx.call, target, request);
  const encoded = encodeInferResponse(
    { model: result.model, version: result.version, id: request.id },
    result.outputs.map((o) => ({ ...o, binary: binary(o.name) })),
  );
  const headers: Record<string, string> = { 'x-model-name': result.model, 'x-model-version': String(result.version) };
  if (result.label !== undefined) headers[MODEL_LABEL_HEADER] = result.label;
  if (encoded.headerLength === undefined) headers['content-type'] = 'application/json';
  else {
    headers['content-type'] = 'application/octet-stream';
    headers['inference-header-content-length'] = String(encoded.headerLength);
  }
  return { status: 200, headers, body: encoded.body };
}

/**
 * Which outputs go back as binary: a requested output's `binary_data` parameter, else the
 * request's `binary_data_output` (Triton's defaults: false).
 */
function binaryOutputs(request: OipRequest): (name: string) => boolean {
  const all = flag(request.parameters.binary_data_output, 'binary_data_output');
  const each = new Map((request.outputs ?? []).map((o) => [o.name, o.parameters.binary_data] as const));
  for (const [name, v] of each) flag(v, `output ${name}: binary_data`);
  return (name) => flag(each.get(name), '') ?? all ?? false;
}

function flag(v: unknown, what: string): boolean | undefined {
  if (v === undefined || typeof v === 'boolean') return v;
  throw invalidArgument(`${what} must be true or false`);
}

function requireMethod(method: string, allowed: string): void {
  if (method !== allowed) throw new MethodNotAllowed(allowed);
}

/** A known path asked with the wrong method: 405 with Allow. */
export class MethodNotAllowed extends ServingError {
  constructor(readonly allow: string) {
    super('INVALID_ARGUMENT', `Method not allowed here; use ${allow}`);
  }
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidArgument('Invalid percent-encoding in the path');
  }
}

export function json(status: number, body: unknown): HttpResponse {
  return jsonResponse(status, JSON.stringify(body));
}
