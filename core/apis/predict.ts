import { failedPrecondition, quoted } from '../errors.ts';
import { TensorBudget } from '../tensor/budget.ts';
import type { RunFn } from '../manager/lease-run.ts';
import type { RunSignal } from '../deadline.ts';
import type { Manager } from '../manager/manager.ts';
import { encodeProtoPredictResponse, type PredictRequestMsg } from '../tensor/proto/predict.ts';
import { DEFAULT_SIGNATURE } from '../tensor/tensor.ts';
import { runLeased } from '../manager/lease-run.ts';
import { deadlineAfter } from '../deadline.ts';
import { acquire, requireModelSpec } from './model-spec.ts';
import { checkInputDtypes, outputAliases, predictInputs } from './predict-inputs.ts';

/**
 * TF Serving's Predict over a decoded PredictRequest, for the gRPC method and the binary HTTP
 * route alike: ModelSpec checks, servable resolution, signature lookup, input and output_filter
 * checks (predict-inputs.ts), the run (through `run`, so the batcher applies), and a serialized
 * PredictResponse whose model_spec names the version that ran and the resolved signature.
 * Failures are ServingErrors in TF's words; the caller maps them to its transport.
 */
export interface ApiContext {
  manager: Manager;
  run: RunFn;
  /** Time left for the request (waiting for the model, then the run), in ms: the gRPC deadline, or the server's request timeout. */
  timeoutMs: number;
  /** Write outputs as tensor_content instead of typed *_val fields. */
  tensorContent?: boolean;
  /** Bytes one request's input tensors may take (--max_tensor_bytes); unset: unbounded. */
  maxTensorBytes?: number;
  /** Told which version answered, and through which label when traffic chose one (metrics, headers, the rollback guard). */
  ranVersion?: (version: number, label?: string) => void;
  /** The request's x-edgeserve-routing-key: keeps one caller on one label of a traffic split (core/version/traffic.ts). */
  routingKey?: string;
  /** Aborts when the client has gone: the wait for the model and a queued run end then. */
  signal?: RunSignal;
}

export async function predict(request: PredictRequestMsg, ctx: ApiContext): Promise<Uint8Array<ArrayBuffer>> {
  const spec = requireModelSpec(request.modelSpec);
  const timeLeft = deadlineAfter(ctx.timeoutMs); // one deadline for the wait for the model and the run
  const lease = await acquire(ctx.manager, spec, { timeoutMs: timeLeft(), signal: ctx.signal }, ctx.routingKey);
  const { servable } = lease;
  const signatureName = spec.signatureName || DEFAULT_SIGNATURE;
  let aliases: string[] = [];
  const outputs = await runLeased(
    lease,
    ctx.run,
    () => {
      ctx.ranVersion?.(servable.version, lease.label);
      if (signatureName !== DEFAULT_SIGNATURE) throw failedPrecondition(`Serving signature key "${quoted(signatureName)}" not found.`);
      const { signature } = servable.session;
      const inputs = predictInputs(request.inputs, signature, new TensorBudget(ctx.maxTensorBytes ?? Infinity));
      aliases = outputAliases(request.outputFilter, signature);
      checkInputDtypes(inputs, signature);
      return inputs;
    },
    timeLeft(),
    ctx.signal,
  );
  return encodeProtoPredictResponse(
    { name: spec.name, version: servable.version, signatureName },
    aliases.map((alias) => [alias, outputs[alias]]),
    { asContent: ctx.tensorContent },
  );
}
