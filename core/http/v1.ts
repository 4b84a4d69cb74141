import { targetOf, type ApiCall, type ApiServices, type Ran, type Target } from '../apis/call.ts';
import { classify, regress } from '../apis/classify.ts';
import { modelMetadata, modelStatus } from '../apis/metadata.ts';
import { encodePredictResult } from '../apis/predict-proto.ts';
import { predict, type PredictRequest } from '../apis/predict.ts';
import { invalidArgument, quoted } from '../errors.ts';
import { decodeInputs, readPredictBody, type PredictBody } from '../tensor/json/decode.ts';
import { encodeJsonPredictResponse } from '../tensor/json/encode.ts';
import { parseJson } from '../tensor/json/parse.ts';
import { readExamplesBody } from '../tensor/tf-example/decode.ts';
import { encodeClassifyResponse, encodeRegressResponse } from '../tensor/tf-example/encode.ts';
import { binaryString, DEFAULT_SIGNATURE } from '../tensor/tensor.ts';
import { MODEL_LABEL_HEADER } from '../version/traffic.ts';
import { decodeBinaryPredict, isProtobufRequest, PROTOBUF_CONTENT_TYPE } from './binary-predict.ts';
import { readBodyBytes, readBodyText } from './body.ts';
import { jsonResponse, type HttpRequest, type HttpResponse } from './exchange.ts';
import { metadataBody, statusBody } from './model-info.ts';
import type { ModelPath } from './path.ts';

/**
 * TF Serving's /v1 model APIs over HTTP, one per path (path.ts): decode the body, call the core
 * API (core/apis), encode its result. Bodies are JSON in TF Serving's processing order
 * (docs/tf-serving-compat.md 3: parse, signature_name, then the servable), or for :predict a
 * binary PredictRequest (binary-predict.ts), or the encoded bytes of a model whose one input takes
 * them (an image/*, audio/* or application/octet-stream body; core/pipeline). Answers name what ran: x-model-name,
 * x-model-version and, when a traffic label chose the version, x-model-label.
 */
export interface V1Options {
  services: ApiServices;
  /** Largest accepted request body. */
  maxBodyBytes: number;
  /** Binary predict writes outputs as tensor_content (--enable_serialization_as_tensor_content). */
  tensorContent?: boolean;
}

export async function v1Api(req: HttpRequest, path: ModelPath, call: ApiCall, options: V1Options): Promise<HttpResponse> {
  const { services } = options;
  const target = targetOf(path.model, path.version, path.label);
  switch (path.api) {
    case 'status':
      return jsonResponse(200, statusBody(await modelStatus(services, target)));
    case 'metadata': {
      const result = await modelMetadata(services, call, target);
      return jsonResponse(200, metadataBody(path.model, result.version, result.signature));
    }
    default:
      break;
  }
  if (isMediaRequest(req)) {
    if (path.api !== 'predict') throw invalidArgument(`a raw ${req.header('content-type')} body is accepted by :predict only`);
    const body = await readBodyBytes(req, options.maxBodyBytes);
    const result = await predict(services, call, rawBodyRequest(body, target));
    const names = result.outputs.map(([name]) => name);
    return answer('application/json', encodeJsonPredictResponse('row', Object.fromEntries(result.outputs), names), result);
  }
  if (isProtobufRequest(req)) {
    const request = decodeBinaryPredict(await readBodyBytes(req, options.maxBodyBytes), path);
    const result = await predict(services, call, request);
    return answer(PROTOBUF_CONTENT_TYPE, encodePredictResult(result, options.tensorContent ?? false), result);
  }
  const json = parseJson(await readBodyText(req, options.maxBodyBytes));
  if (path.api === 'predict') {
    const body = readPredictBody(json);
    const result = await predict(services, call, jsonPredictRequest(body, target));
    const names = result.outputs.map(([name]) => name);
    return answer('application/json', encodeJsonPredictResponse(body.format, Object.fromEntries(result.outputs), names), result);
  }
  const { signatureName, examples } = readExamplesBody(json, path.api);
  const request = { target, signatureName, examples };
  if (path.api === 'classify') {
    const result = await classify(services, call, request);
    return answer('application/json', encodeClassifyResponse(result.classifications), result);
  }
  const result = await regress(services, call, request);
  return answer('application/json', encodeRegressResponse(result.regressions), result);
}

/** A JSON predict body as predict.ts's request: TF Serving's REST wording for the signature name. */
function jsonPredictRequest(body: PredictBody, target: Target): PredictRequest {
  return {
    target,
    signatureName: body.signatureName,
    decode(signature, budget) {
      if (body.signatureName !== DEFAULT_SIGNATURE) {
        throw invalidArgument(`Serving signature name: "${quoted(body.signatureName)}" not found in signature def`);
      }
      return { inputs: decodeInputs(body, signature, budget), outputs: signature.outputs.map((o) => o.name) };
    },
  };
}

/** An image, a sound (or other encoded bytes) sent as the body itself: `curl --data-binary @cat.jpg -H 'content-type: image/jpeg'`. */
function isMediaRequest(req: HttpRequest): boolean {
  const type = (req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  // Not text/plain: fetch() labels every string body so, JSON included, and TF Serving reads JSON
  // whatever the content type says.
  return type.startsWith('image/') || type.startsWith('audio/') || type === 'application/octet-stream';
}

/**
 * A raw body as one example of the model's one bytes input (a pipeline's image input,
 * core/pipeline); answered in the row format, like {"instances": [{"b64": ...}]}.
 */
function rawBodyRequest(body: Uint8Array, target: Target): PredictRequest {
  return {
    target,
    signatureName: '',
    decode(signature) {
      const [input, ...others] = signature.inputs;
      if (!input?.bytes || others.length > 0) {
        const names = signature.inputs.map((s) => `${s.name} (${s.bytes ? 'encoded bytes' : s.dtype})`).join(', ');
        throw invalidArgument(`Model ${quoted(target.model)} takes no raw body: its inputs are ${names}; send JSON, or declare an image input in its pipeline.json`);
      }
      return { inputs: { [input.name]: { dtype: 'string', dims: [1], data: [binaryString(body)] } }, outputs: signature.outputs.map((o) => o.name) };
    },
  };
}

function answer(contentType: string, body: Uint8Array<ArrayBuffer> | string, ran: Ran): HttpResponse {
  const headers: Record<string, string> = { 'content-type': contentType, 'x-model-name': ran.model, 'x-model-version': String(ran.version) };
  if (ran.label !== undefined) headers[MODEL_LABEL_HEADER] = ran.label;
  return { status: 200, headers, body };
}
