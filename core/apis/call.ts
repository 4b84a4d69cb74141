import type { RunSignal } from '../deadline.ts';
import { invalidArgument } from '../errors.ts';
import type { RunFn } from '../manager/lease-run.ts';
import type { Manager } from '../manager/manager.ts';
import type { VersionRequest } from '../version/policy.ts';
import type { SpanRecord } from '../trace/spans.ts';
import type { Tensor, TensorSpec } from '../tensor/tensor.ts';
import type { Shadow } from '../shadow/shadow.ts';

/**
 * What every API function (predict.ts, classify.ts, metadata.ts, oip.ts) is given, whichever
 * transport decoded the request: the instance's services (built once by createService) and the
 * request's ApiCall (made by the request wrapper, serve-request.ts).
 */
export interface ApiServices {
  manager: Manager;
  /** Runs a servable: the batcher when batching is on, else one session run per request. */
  run: RunFn;
  /** Bytes one request's input tensors may take in all (core/tensor/budget.ts). */
  maxTensorBytes: number;
  /** model.json's shadow runs (core/shadow); absent where the target cannot run work after a response (Lambda). */
  shadow?: Shadow;
}

/** The model a request names, and the version or label it pins (neither: the manager's latest). */
export interface Target extends Omit<VersionRequest, 'routingKey'> {
  model: string;
}

/** What ran: the servable that answered (or failed on the request's data) and the label that chose it. */
export interface Ran {
  model: string;
  version: number;
  /** The traffic label that chose the version, if one did (x-model-label, per-label metrics). */
  label?: string;
}

/**
 * One request as it crosses the API layer.
 * - timeLeft: ms left of the request's deadline, started by the wrapper; the wait for a model and
 *   the run share it.
 * - signal: aborts when the client has gone; the wait for a model and a queued run end then.
 * - model: the model as the request names it, for the metrics; the transport sets it as soon as
 *   its decoding knows it (gRPC reads it from the body).
 * - ran: written by the API once it holds a servable, so the wrapper can record the version on
 *   failures too; `inference` when inputs were run on it (the rollback guard counts only those).
 */
export interface ApiCall {
  readonly timeLeft: () => number;
  readonly signal?: RunSignal;
  /** x-edgeserve-routing-key: keeps one caller on one label of a traffic split (core/version/traffic.ts). */
  readonly routingKey?: string;
  model: string;
  ran?: Ran & { inference: boolean };
  /** The request's span (core/trace/spans.ts), when the request log or a trace export records spans. */
  span?: SpanRecord;
  /** The tensors the servable was given and answered (references, for model.json's capture: core/capture). */
  io?: { inputs: Record<string, Tensor>; inputSpecs: readonly TensorSpec[]; outputs?: Record<string, Tensor> };
}

/** A target from a model name and a version string (OIP's model_version, /versions/{v}): digits; '' is none. */
export function targetOf(model: string, version?: number, label?: string): Target {
  if (model === '') throw invalidArgument('ModelSpec has no name specified.');
  const target: Target = { model };
  if (version !== undefined) target.version = version;
  else if (label !== undefined) target.label = label;
  return target;
}
