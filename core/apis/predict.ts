import { TensorBudget } from '../tensor/budget.ts';
import { DEFAULT_SIGNATURE, type Signature, type Tensor } from '../tensor/tensor.ts';
import type { ApiCall, ApiServices, Ran, Target } from './call.ts';
import { runOn } from './servable-access.ts';

/**
 * TF Serving's Predict, for every transport: REST JSON (core/http/v1.ts), binary HTTP and gRPC
 * (a PredictRequest message, predict-proto.ts's predictRequestFromProto). The transport decodes
 * its wire into a PredictRequest; predict resolves the servable (the target and the call's
 * routing key), lets the request decode its inputs against that servable's signature, runs them
 * through the instance's RunFn within the call's deadline, and returns the outputs asked for with
 * the version that ran. Failures are ServingErrors; transports map them.
 */
export interface PredictRequest {
  target: Target;
  /** As sent; '' means serving_default. */
  signatureName: string;
  /**
   * The wire's inputs as tensors for the resolved signature, each charged to `budget` before it
   * is allocated, and the outputs to return, in order. Throws in the wire protocol's own words
   * (JSON and protobuf differ, as in TF Serving), signature name checks included.
   */
  decode(signature: Signature, budget: TensorBudget): { inputs: Record<string, Tensor>; outputs: readonly string[] };
}

export interface PredictResult extends Ran {
  /** The signature that ran (serving_default). */
  signatureName: string;
  outputs: [string, Tensor][];
}

export async function predict(services: ApiServices, call: ApiCall, request: PredictRequest): Promise<PredictResult> {
  let names: readonly string[] = [];
  const run = await runOn(services, call, request.target, (servable) => {
    const decoded = request.decode(servable.session.signature, new TensorBudget(services.maxTensorBytes));
    names = decoded.outputs;
    return decoded.inputs;
  });
  return {
    model: run.model,
    version: run.version,
    label: run.label,
    signatureName: request.signatureName || DEFAULT_SIGNATURE,
    outputs: names.map((name) => [name, run.outputs[name]]),
  };
}
