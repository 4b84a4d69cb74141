import { invalidArgument, quoted } from '../errors.ts';
import { TensorBudget } from '../tensor/budget.ts';
import { oipTypeName } from '../tensor/dtypes.ts';
import { oipInputs, oipOutputNames } from '../tensor/oip/inputs.ts';
import { rawBinaryInput, type OipRequest } from '../tensor/oip/request.ts';
import type { Tensor, TensorSpec } from '../tensor/tensor.ts';
import { clampVersion } from '../version/version-number.ts';
import type { ApiCall, ApiServices, Ran, Target } from './call.ts';
import { runOn, withServable } from './servable-access.ts';

/**
 * The Open Inference Protocol (KServe v2) over the same services, deadlines and tensor budget as
 * TF Serving's APIs, for the REST routes (core/http/oip.ts) and the gRPC GRPCInferenceService
 * alike. A model is named by a Target: a version, a label (our extension), or neither (the
 * manager's "latest"). Failures are ServingErrors; transports map them.
 */
export interface OipResult extends Ran {
  outputs: { name: string; tensor: Tensor }[];
}

export const OIP_SERVER_NAME = 'edgeserve';
export const OIP_SERVER_VERSION = '0.1.0';
/** Extensions GET /v2 and ServerMetadata announce (Triton's names). */
export const OIP_EXTENSIONS = ['binary_tensor_data'];
export const OIP_PLATFORM = 'onnxruntime_onnx';

/** A version string (gRPC model_version, REST /versions/{v}): digits; the empty string is none. */
export function oipTarget(model: string, version: string | undefined): Target {
  if (model === '') throw invalidArgument('the model name is empty');
  if (version === undefined || version === '') return { model };
  if (!/^\d+$/.test(version)) throw invalidArgument(`model version ${quoted(version)} is not a version number`);
  return { model, version: clampVersion(BigInt(version)) };
}

export async function oipInfer(services: ApiServices, call: ApiCall, target: Target, request: OipRequest): Promise<OipResult> {
  let names: string[] = [];
  const run = await runOn(services, call, target, (servable) => {
    const { signature } = servable.session;
    names = oipOutputNames(request.outputs, signature);
    const inputs = request.rawBody ? [rawBinaryInput(request.rawBody, signature)] : request.inputs;
    return oipInputs(inputs, signature, new TensorBudget(services.maxTensorBytes));
  });
  return { model: run.model, version: run.version, label: run.label, outputs: names.map((name) => ({ name, tensor: run.outputs[name] })) };
}

export interface OipTensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

export interface OipModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: OipTensorMetadata[];
  outputs: OipTensorMetadata[];
}

/** The model's metadata from the version the target resolves to (loading it if need be). */
export async function oipModelMetadata(services: ApiServices, call: ApiCall, target: Target): Promise<OipModelMetadata> {
  const servable = await withServable(services, call, target, (s) => s);
  const statuses = await services.manager.status(target.model);
  const versions = statuses.filter((s) => s.state === 'AVAILABLE').map((s) => s.version);
  if (!versions.includes(servable.version)) versions.push(servable.version);
  const tensor = (s: TensorSpec): OipTensorMetadata => ({ name: s.name, datatype: oipTypeName(s.dtype), shape: s.dims ?? [-1] });
  return {
    name: servable.model,
    versions: versions.sort((a, b) => a - b).map(String),
    platform: OIP_PLATFORM,
    inputs: servable.session.signature.inputs.map(tensor),
    outputs: servable.session.signature.outputs.map(tensor),
  };
}

/**
 * Whether the target can serve now: it resolves and its version loads within the deadline (a
 * lazily loading target, the Worker or Lambda, loads it here, as a readiness probe wants). An
 * unknown model or version is NOT_FOUND, thrown; a failed load is `false`.
 */
export async function oipModelReady(services: ApiServices, call: ApiCall, target: Target): Promise<boolean> {
  try {
    await withServable(services, call, target, () => {});
    return true;
  } catch (err) {
    if (err instanceof Error && 'code' in err && (err.code === 'NOT_FOUND' || err.code === 'INVALID_ARGUMENT')) throw err;
    return false;
  }
}
