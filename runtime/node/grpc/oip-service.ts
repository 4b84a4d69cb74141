import type { Target } from '../../../core/apis/call.ts';
import { OIP_EXTENSIONS, OIP_SERVER_NAME, OIP_SERVER_VERSION, oipInfer, oipModelMetadata, oipModelReady, oipTarget } from '../../../core/apis/oip.ts';
import { invalidArgument, quoted } from '../../../core/errors.ts';
import { dtypeOfOipType, oipTypeName } from '../../../core/tensor/dtypes.ts';
import type { JsonValue } from '../../../core/tensor/json/value.ts';
import { tensorToRaw } from '../../../core/tensor/oip/raw.ts';
import type { OipInput, OipParams, OipRequest } from '../../../core/tensor/oip/request.ts';
import type { GrpcHandler } from './tf-serving-service.ts';
import { isReady } from '../../../core/http/readiness.ts';

/*
 * inference.GRPCInferenceService (the Open Inference Protocol's gRPC API, proto/inference/) over
 * core/apis/oip.ts, beside TF Serving's services on the same server and port. Messages are
 * protobufjs objects (snake_case, int64 as bigint). Inputs come as typed `contents` (the field
 * the datatype names) or as raw_input_contents, one per input; outputs always go back as
 * raw_output_contents (what tritonclient reads). model_version: digits name a version; any
 * other text is taken as a label (our extension; the spec has no label field). The server's
 * one request wrapper (grpc-server.ts) supplies auth, deadline, error mapping and metrics.
 */
export const OIP_SERVICE = 'inference.GRPCInferenceService';

export const oipHandlers: Record<string, GrpcHandler> = {
  ServerLive: async () => ({ live: true }),
  ServerReady: async (_req, _call, { services }) => ({ ready: isReady(services.manager) }),
  ServerMetadata: async () => ({ name: OIP_SERVER_NAME, version: OIP_SERVER_VERSION, extensions: OIP_EXTENSIONS }),
  ModelReady: async (req, call, { services }) => {
    call.model = req.name ?? '';
    return { ready: await oipModelReady(services, call, target(req.name, req.version)) };
  },
  ModelMetadata: async (req, call, { services }) => {
    call.model = req.name ?? '';
    return oipModelMetadata(services, call, target(req.name, req.version));
  },
  ModelInfer: async (req, call, { services }) => {
    call.model = req.model_name ?? '';
    const result = await oipInfer(services, call, target(req.model_name, req.model_version), inferRequest(req));
    const response: Record<string, unknown> = {
      model_name: result.model,
      model_version: String(result.version),
      outputs: result.outputs.map(({ name, tensor }) => ({ name, datatype: oipTypeName(tensor.dtype), shape: tensor.dims })),
      raw_output_contents: result.outputs.map(({ tensor }) => tensorToRaw(tensor)),
    };
    if (req.id) response.id = req.id;
    return response;
  },
};

function target(name: string | undefined, version: string | undefined): Target {
  if (version && !/^\d+$/.test(version)) return { model: oipTarget(name ?? '', undefined).model, label: version };
  return oipTarget(name ?? '', version);
}

function inferRequest(req: any): OipRequest {
  const raw: Uint8Array[] = req.raw_input_contents ?? [];
  const inputs: OipInput[] = (req.inputs ?? []).map((t: any) => ({
    name: t.name ?? '',
    datatype: t.datatype ?? '',
    shape: (t.shape ?? []).map(Number),
    parameters: params(t.parameters),
  }));
  if (raw.length > 0) {
    if (raw.length !== inputs.length) throw invalidArgument(`raw_input_contents has ${raw.length} entries for ${inputs.length} inputs`);
    inputs.forEach((input, i) => {
      if (req.inputs[i].contents) throw invalidArgument(`input ${quoted(input.name)}: give contents or raw_input_contents, not both`);
      input.raw = raw[i];
    });
  } else {
    inputs.forEach((input, i) => (input.data = contents(input, req.inputs[i].contents ?? {})));
  }
  const request: OipRequest = { parameters: params(req.parameters), inputs };
  if (req.id) request.id = req.id;
  if (req.outputs?.length) request.outputs = req.outputs.map((o: any) => ({ name: o.name ?? '', parameters: params(o.parameters) }));
  return request;
}

const FIELD: Record<string, string> = {
  BOOL: 'bool_contents', INT8: 'int_contents', INT16: 'int_contents', INT32: 'int_contents', INT64: 'int64_contents',
  UINT8: 'uint_contents', UINT16: 'uint_contents', UINT32: 'uint_contents', UINT64: 'uint64_contents',
  FP32: 'fp32_contents', FP64: 'fp64_contents', BYTES: 'bytes_contents',
};

/** The typed contents field the datatype names, as a flat list of JSON-like leaves; other fields must be empty. */
function contents(input: OipInput, c: Record<string, unknown[]>): JsonValue {
  const field = FIELD[input.datatype];
  if (field === undefined) {
    if (dtypeOfOipType(input.datatype) !== undefined) throw invalidArgument(`input ${quoted(input.name)}: ${input.datatype} travels in raw_input_contents only`);
    return []; // unsupported datatype: oipInputs names it
  }
  for (const [k, v] of Object.entries(c)) {
    if (k !== field && Array.isArray(v) && v.length > 0) throw invalidArgument(`input ${quoted(input.name)}: ${input.datatype} data belongs in contents.${field}, not ${k}`);
  }
  const values = c[field] ?? [];
  // As {"b64": ...} values, which the JSON codec reads as text for a text input and keeps as bytes
  // for an input of encoded bytes (a pipeline's image: core/pipeline).
  if (field === 'bytes_contents') return values.map((b) => new Map([['b64', Buffer.from(b as Uint8Array).toString('base64')]]));
  if (field === 'fp32_contents' || field === 'fp64_contents') return values.map(Number);
  return values as JsonValue[];
}

function params(map: Record<string, any> | undefined): OipParams {
  const out: OipParams = Object.create(null);
  for (const [k, p] of Object.entries(map ?? {})) {
    const v = p.bool_param ?? p.int64_param ?? p.string_param ?? p.double_param ?? p.uint64_param;
    if (v !== undefined) out[k] = v;
  }
  return out;
}
