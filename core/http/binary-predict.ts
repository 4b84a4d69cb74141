import { invalidArgument, quoted } from '../errors.ts';
import { predictRequestFromProto } from '../apis/predict-proto.ts';
import type { PredictRequest } from '../apis/predict.ts';
import { decodePredictRequest, type ModelSpecMsg } from '../tensor/proto/predict.ts';
import type { HttpRequest } from './exchange.ts';
import type { ModelPath } from './path.ts';

/*
 * Binary predict on every target: `POST /v1/models/{m}[/versions/N|/labels/L]:predict` with
 * `Content-Type: application/x-protobuf` takes a serialized tensorflow.serving.PredictRequest and
 * answers a serialized PredictResponse (Content-Type application/x-protobuf), exactly as the gRPC
 * Predict method does (the same predictRequestFromProto and encoder), messages and codes included.
 *
 * The URL names the model and version or label; the body's model_spec may repeat them but not
 * contradict them (INVALID_ARGUMENT), and supplies signature_name. Errors keep the REST shape:
 * a JSON `{"error": ...}` body with the HTTP status of the canonical code (status-codes.ts), so
 * clients need one error path for both encodings.
 */
export const PROTOBUF_CONTENT_TYPE = 'application/x-protobuf';

const PROTOBUF_TYPES = new Set([PROTOBUF_CONTENT_TYPE, 'application/protobuf', 'application/vnd.google.protobuf']);

export function isProtobufRequest(req: HttpRequest): boolean {
  const type = (req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  return PROTOBUF_TYPES.has(type);
}

/** The body as predict.ts's request, the URL's model and version or label in its ModelSpec. */
export function decodeBinaryPredict(body: Uint8Array, path: ModelPath): PredictRequest {
  if (path.api !== 'predict') {
    throw invalidArgument(`Content-Type ${PROTOBUF_CONTENT_TYPE} is accepted by :predict only; send :${path.api} bodies as JSON, or use the gRPC API`);
  }
  const request = decodePredictRequest(body);
  request.modelSpec = specFromPath(request.modelSpec, path);
  return predictRequestFromProto(request);
}

/** The body's ModelSpec with the URL's model and version or label; a contradiction is an error. */
function specFromPath(body: ModelSpecMsg | null, path: ModelPath): ModelSpecMsg {
  const spec: ModelSpecMsg = body ?? { name: '', signatureName: '' };
  if (spec.name !== '' && spec.name !== path.model) {
    throw invalidArgument(`model_spec.name "${quoted(spec.name)}" does not match the model in the URL: "${quoted(path.model)}"`);
  }
  spec.name = path.model;
  if (path.version !== undefined || path.label !== undefined) {
    const urlChoice = path.version !== undefined ? `version ${path.version}` : `label "${quoted(path.label!)}"`;
    const bodyChoice =
      spec.version !== undefined ? `version ${spec.version}` : spec.versionLabel !== undefined ? `label "${quoted(spec.versionLabel)}"` : null;
    if (bodyChoice !== null && bodyChoice !== urlChoice) {
      throw invalidArgument(`model_spec asks for ${bodyChoice} but the URL asks for ${urlChoice}`);
    }
    delete spec.version;
    delete spec.versionLabel;
    if (path.version !== undefined) spec.version = path.version;
    else spec.versionLabel = path.label;
  }
  return spec;
}
