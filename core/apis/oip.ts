import { invalidArgument, quoted } from '../errors.ts';
import { runLeased, type RunFn } from '../manager/lease-run.ts';
import { deadlineAfter, type RunSignal } from '../deadline.ts';
import type { Manager } from '../manager/manager.ts';
import { TensorBudget } from '../tensor/budget.ts';
import { oipTypeName } from '../tensor/dtypes.ts';
import { oipInputs, oipOutputNames } from '../tensor/oip/inputs.ts';
import type { OipRequest } from '../tensor/oip/request.ts';
import type { Tensor, TensorSpec } from '../tensor/tensor.ts';
import type { VersionRequest } from '../version/policy.ts';
import { clampVersion } from '../version/version-number.ts';

/**
 * The Open Inference Protocol (KServe v2) over the same manager, RunFn, deadlines and tensor
 * budget as TF Serving's Predict (core/apis/predict.ts), for the REST routes (core/http/oip.ts)
 * and the gRPC GRPCInferenceService alike. A model is named by `OipTarget`: a version, a label
 * (our extension), or neither (the manager's "latest"). Failures are ServingErrors; transports
 * map them (HTTP status table, gRPC codes).
 */
export interface OipTarget extends VersionRequest {
  model: string;
}

export interface OipContext {
  manager: Manager;
  run: RunFn;
  /** Time left for the request (wait for the model, then the run), in ms. */
  timeoutMs: number;
  /** Bytes one request's input tensors may take (--max_tensor_bytes). */
  maxTensorBytes: number;
  signal?: RunSignal;
  /** The request's x-edgeserve-routing-key: keeps one caller on one label of a traffic split. */
  routingKey?: string;
  /** Told which version answered, and through which label when traffic chose one (metrics, headers, the rollback guard). */
  ranVersion?: (version: number, label?: string) => void;
}

export interface OipResult {
  model: string;
  version: number;
  /** The traffic label that chose the version, if one did. */
  label?: string;
  outputs: { name: string; tensor: Tensor }[];
}

export const OIP_SERVER_NAME = 'edgeserve';
export const OIP_SERVER_VERSION = '0.1.0';
/** Extensions GET /v2 and ServerMetadata announce (Triton's names). */
export const OIP_EXTENSIONS = ['binary_tensor_data'];
export const OIP_PLATFORM = 'onnxruntime_onnx';

/** A version string (gRPC model_version, REST /versions/{v}): digits; the empty string is none. */
export function oipTarget(model: string, version: string | undefined): OipTarget {
  if (model === '') throw invalidArgument('the model name is empty');
  if (version === undefined || version === '') return { model };
  if (!/^\d+$/.test(version)) throw invalidArgument(`model version ${quoted(version)} is not a version number`);
  return { model, version: clampVersion(BigInt(version)) };
}

export async function oipInfer(target: OipTarget, request: OipRequest, ctx: OipContext): Promise<OipResult> {
  const timeLeft = deadlineAfter(ctx.timeoutMs); // one deadline for the wait for the model and the run
  const pick = { version: target.version, label: target.label, routingKey: ctx.routingKey };
  const lease = await ctx.manager.acquire(target.model, pick, { timeoutMs: timeLeft(), signal: ctx.signal });
  const { servable } = lease;
  const { signature } = servable.session;
  let names: string[] = [];
  const outputs = await runLeased(
    lease,
    ctx.run,
    () => {
      ctx.ranVersion?.(servable.version, lease.label);
      names = oipOutputNames(request.outputs, signature);
      return oipInputs(request.inputs, signature, new TensorBudget(ctx.maxTensorBytes));
    },
    timeLeft(),
    ctx.signal,
  );
  return { model: servable.model, version: servable.version, label: lease.label, outputs: names.map((name) => ({ name, tensor: outputs[name] })) };
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
export async function oipModelMetadata(target: OipTarget, ctx: OipContext): Promise<OipModelMetadata> {
  const lease = await ctx.manager.acquire(target.model, target, { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
  try {
    const { servable } = lease;
    ctx.ranVersion?.(servable.version);
    const statuses = await ctx.manager.status(target.model);
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
  } finally {
    lease.release();
  }
}

/**
 * Whether the target can serve now: it resolves and its version loads within the deadline (a
 * lazily loading target, the Worker or Lambda, loads it here, as a readiness probe wants). An
 * unknown model or version is NOT_FOUND, thrown; a failed load is `false`.
 */
export async function oipModelReady(target: OipTarget, ctx: OipContext): Promise<boolean> {
  try {
    const lease = await ctx.manager.acquire(target.model, target, { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
    ctx.ranVersion?.(lease.servable.version);
    lease.release();
    return true;
  } catch (err) {
    if (err instanceof Error && 'code' in err && (err.code === 'NOT_FOUND' || err.code === 'INVALID_ARGUMENT')) throw err;
    return false;
  }
}
