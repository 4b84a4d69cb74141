import { targetOf, type ApiCall } from '../../../core/apis/call.ts';
import { classify, regress } from '../../../core/apis/classify.ts';
import { multiInference } from '../../../core/apis/multi-inference.ts';
import { modelMetadata, modelStatus } from '../../../core/apis/metadata.ts';
import { encodePredictResult, predictRequestFromProto, requireModelSpec } from '../../../core/apis/predict-proto.ts';
import { predict } from '../../../core/apis/predict.ts';
import type { ApiHost } from '../../../core/apis/serve-request.ts';
import { failedPrecondition, invalidArgument, quoted } from '../../../core/errors.ts';
import { ConfigError } from '../../../core/config/config-error.ts';
import { parseModelServerConfig } from '../../../core/config/model-config.ts';
import type { VersionState } from '../../../core/manager/servable.ts';
import { signatureDefMap } from '../../../core/tensor/signature-def.ts';
import type { Feature, Features } from '../../../core/tensor/tf-example/decode.ts';
import { decodePredictRequest, type ModelSpecMsg } from '../../../core/tensor/proto/predict.ts';
import { clampVersion } from '../../../core/version/version-number.ts';
import { CODE_NUMBER } from './grpc-status.ts';
import { encodeMessage, lookupType } from './proto-root.ts';

/**
 * TF Serving's gRPC methods (PredictionService: Predict, Classify, Regress, MultiInference, GetModelMetadata;
 * ModelService: GetModelStatus, HandleReloadConfigRequest), each as decode, one core API call (core/apis), encode, in TF
 * Serving's words (docs/tf-serving-compat.md 6, 7, 8, 11). Predict travels as raw bytes through
 * the hand codec (core/apis/predict-proto.ts); the other messages are protobufjs objects
 * (snake_case, int64 as bigint: proto-root.ts). Decoding names the model on the call for the
 * metrics. grpc-server.ts wraps every handler in the one request wrapper (auth, deadline, errors).
 */
export type GrpcHandler = (request: any, call: ApiCall, host: ApiHost) => Promise<unknown>;

export const predictionHandlers: Record<string, GrpcHandler> = {
  Predict: async (bytes: Uint8Array, call, { services, tensorContent }) => {
    const msg = decodePredictRequest(bytes);
    call.model = msg.modelSpec?.name ?? '';
    return encodePredictResult(await predict(services, call, predictRequestFromProto(msg)), tensorContent);
  },
  Classify: async (req: ExamplesRequestObject, call, { services }) => {
    const result = await classify(services, call, examplesRequest(req, call));
    return {
      model_spec: modelSpecObject(result.model, result.version, result.signatureName),
      result: { classifications: result.classifications.map((classes) => ({ classes })) },
    };
  },
  Regress: async (req: ExamplesRequestObject, call, { services }) => {
    const result = await regress(services, call, examplesRequest(req, call));
    return {
      model_spec: modelSpecObject(result.model, result.version, result.signatureName),
      result: { regressions: result.regressions.map((value) => ({ value })) },
    };
  },
  MultiInference: async (req: MultiInferenceRequestObject, call, { services }) => {
    const tasks = (req.tasks ?? []).map((task) => {
      const spec = modelSpecFromObject(task.model_spec) ?? { name: '', signatureName: '' };
      // The model name is checked by multiInference, in TF Serving's words for this method.
      const pin = spec.version !== undefined ? { version: spec.version } : spec.versionLabel !== undefined ? { label: spec.versionLabel } : {};
      return { target: { model: spec.name, ...pin }, signatureName: spec.signatureName, methodName: task.method_name ?? '' };
    });
    call.model = tasks[0]?.target.model ?? '';
    const results = await multiInference(services, call, tasks, inputExamples(req.input));
    return {
      results: results.map(({ method, result }) => ({
        model_spec: modelSpecObject(result.model, result.version, result.signatureName),
        ...(method === 'classify'
          ? { classification_result: { classifications: result.classifications.map((classes) => ({ classes })) } }
          : { regression_result: { regressions: result.regressions.map((value) => ({ value })) } }),
      })),
    };
  },
  // Only "signature_def", packed in a google.protobuf.Any holding a SignatureDefMap; the
  // response's model_spec names the version resolved, with an empty signature_name, as TF's does.
  GetModelMetadata: async (req: MetadataRequestObject, call, { services }) => {
    const spec = requireModelSpec(modelSpecFromObject(req.model_spec));
    call.model = spec.name;
    const fields = [...new Set(req.metadata_field ?? [])].sort();
    if (fields.length === 0) throw invalidArgument('GetModelMetadataRequest must specify at least one metadata_field');
    for (const f of fields) if (f !== 'signature_def') throw invalidArgument(`Metadata field ${quoted(f)} is not supported`);
    const result = await modelMetadata(services, call, targetOf(spec.name, spec.version, spec.versionLabel));
    const value = encodeMessage(SignatureDefMap, signatureDefMap(result.signature, 'proto'));
    return { model_spec: modelSpecObject(spec.name, result.version, ''), metadata: { signature_def: { type_url: SIGNATURE_DEF_MAP_TYPE_URL, value } } };
  },
};

export const modelHandlers: Record<string, GrpcHandler> = {
  // The manager's versions, highest first; a version_label is ignored, as in TF Serving.
  GetModelStatus: async (req: { model_spec?: ModelSpecObject | null }, call, { services }) => {
    const spec = requireModelSpec(modelSpecFromObject(req.model_spec));
    call.model = spec.name;
    const statuses = await modelStatus(services, { model: spec.name, version: spec.version });
    return {
      model_version_status: statuses.map((s) => ({
        version: s.version,
        state: STATE_NUMBER[s.state],
        status: s.error ? { error_code: CODE_NUMBER[s.error.code], error_message: s.error.message } : {},
      })),
    };
  },
  // The new model list, as the config file's proto3 JSON form (relative base paths: from the
  // server's working folder), applied all or nothing (Manager.reconfigure).
  HandleReloadConfigRequest: async (req: { config?: { model_config_list?: object | null } | null }, _call, { reloadConfig }) => {
    if (!reloadConfig) throw failedPrecondition('This server serves the folders of a repository root, not a model list: there is no config to reload');
    if (!req.config?.model_config_list) throw invalidArgument('ReloadConfigRequest has no config.model_config_list');
    const json = JSON.stringify(req.config, (_key, value) => (typeof value === 'bigint' ? Number(value) : value));
    let configs;
    try {
      configs = parseModelServerConfig(json, 'ReloadConfigRequest.config', process.cwd());
    } catch (err) {
      if (err instanceof ConfigError) throw invalidArgument(err.message);
      throw err;
    }
    reloadConfig(configs);
    return { status: {} };
  },
};

export const SIGNATURE_DEF_MAP_TYPE_URL = 'type.googleapis.com/tensorflow.serving.SignatureDefMap';
const SignatureDefMap = lookupType('tensorflow.serving.SignatureDefMap');
const STATE_NUMBER: Record<VersionState, number> = { START: 10, LOADING: 20, AVAILABLE: 30, UNLOADING: 40, END: 50 };

/** A ModelSpec as protobufjs decodes it. */
interface ModelSpecObject {
  name?: string;
  version?: { value?: bigint | number } | null;
  version_label?: string;
  signature_name?: string;
}

interface MetadataRequestObject {
  model_spec?: ModelSpecObject | null;
  metadata_field?: string[];
}

interface ListObject<T> {
  value?: T[];
}
interface FeatureObject {
  bytes_list?: ListObject<Uint8Array> | null;
  float_list?: ListObject<number> | null;
  int64_list?: ListObject<bigint | number> | null;
}
interface ExampleObject {
  features?: { feature?: Record<string, FeatureObject> } | null;
}
interface InputObject {
  example_list?: { examples?: ExampleObject[] } | null;
  example_list_with_context?: { examples?: ExampleObject[]; context?: ExampleObject | null } | null;
}
interface ExamplesRequestObject {
  model_spec?: ModelSpecObject | null;
  input?: InputObject | null;
}

interface MultiInferenceRequestObject {
  tasks?: { model_spec?: ModelSpecObject | null; method_name?: string }[] | null;
  input?: InputObject | null;
}

function modelSpecFromObject(obj: ModelSpecObject | null | undefined): ModelSpecMsg | null {
  if (!obj) return null;
  const spec: ModelSpecMsg = { name: obj.name ?? '', signatureName: obj.signature_name ?? '' };
  if (obj.version) spec.version = clampVersion(obj.version.value ?? 0);
  else if (obj.version_label !== undefined && obj.version_label !== null) spec.versionLabel = obj.version_label;
  return spec;
}

function modelSpecObject(name: string, version: number, signatureName: string): ModelSpecObject {
  return { name, version: { value: version }, signature_name: signatureName };
}

/**
 * A Classify or Regress request as core/apis/classify.ts's: examples become features exactly as
 * the REST API's JSON examples do. With example_list_with_context each example is merged with the
 * context, the example's feature winning (TF concatenates the serialized protos, and a map entry
 * that repeats replaces the earlier one).
 */
function examplesRequest(req: ExamplesRequestObject, call: ApiCall) {
  const spec = requireModelSpec(modelSpecFromObject(req.model_spec));
  call.model = spec.name;
  return { target: targetOf(spec.name, spec.version, spec.versionLabel), signatureName: spec.signatureName, examples: inputExamples(req.input) };
}

/** The examples of an Input, each merged with the context when there is one. */
function inputExamples(input: InputObject | null | undefined): Features[] {
  if (input?.example_list) return (input.example_list.examples ?? []).map(features);
  const withContext = input?.example_list_with_context;
  if (!withContext) return [];
  const context = features(withContext.context ?? {});
  return (withContext.examples ?? []).map((e) => new Map([...context, ...features(e)]));
}

const utf8 = new TextDecoder();

function features(example: ExampleObject): Features {
  const out: Features = new Map();
  for (const [name, f] of Object.entries(example.features?.feature ?? {})) out.set(name, feature(f));
  return out;
}

function feature(f: FeatureObject): Feature {
  if (f.bytes_list) return { kind: 'bytes', values: (f.bytes_list.value ?? []).map((b) => utf8.decode(b)) };
  if (f.float_list) return { kind: 'float', values: (f.float_list.value ?? []).map(Math.fround) };
  if (f.int64_list) return { kind: 'int64', values: (f.int64_list.value ?? []).map((v) => BigInt(v)) };
  return { kind: 'none', values: [] };
}
