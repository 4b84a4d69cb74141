import { declarationProblem, notBatchable, type BatchAxes } from '../config/batch-axes.ts';
import type { Signature } from '../tensor/tensor.ts';

/**
 * Whether a servable may batch, and along which axes: decided once per servable from its
 * signature (the graph's exact shapes: fixed dims, dynamic dims, scalars, unknown rank) and the
 * model's declared batch axes (config/batch-axes.ts). The batcher reads it, and so does `edgeserve inspect`;
 * the manager refuses a declaration that contradicts the graph at load (config/batch-axes.ts).
 *
 * The rule: a servable batches only when every input and output has a dynamic dimension on its
 * batch axis (axis 0 unless declared; a declared axis of an unknown-rank tensor counts), or is a
 * declared shared input; at least one input must be batched. Anything else runs each
 * request on its own, exactly as with batching off: the batcher is never the reason a request fails.
 */
export type Axis = BatchAxes[string];

export type BatchPlan =
  | { mode: 'batched'; reason: string; inputs: Map<string, Axis>; outputs: Map<string, number> }
  | { mode: 'unbatched'; reason: string };

export function planBatching(signature: Signature, declared: BatchAxes = {}): BatchPlan {
  const problem = declarationProblem(signature, declared);
  if (problem) return { mode: 'unbatched', reason: `batch_axes rejected: ${problem}` };
  const inputs = new Map<string, Axis>();
  const outputs = new Map<string, number>();
  for (const [kind, specs] of [['input', signature.inputs], ['output', signature.outputs]] as const) {
    for (const spec of specs) {
      const axis = declared[spec.name] ?? 0;
      if (axis === 'shared') {
        inputs.set(spec.name, axis);
        continue;
      }
      const why = notBatchable(spec, axis, declared[spec.name] !== undefined);
      if (why) return { mode: 'unbatched', reason: `${kind} ${spec.name} ${why}` };
      (kind === 'input' ? inputs : outputs).set(spec.name, axis);
    }
  }
  if (![...inputs.values()].some((a) => a !== 'shared')) return { mode: 'unbatched', reason: 'no input has a batch axis' };
  const custom = Object.keys(declared).length > 0;
  return {
    mode: 'batched',
    reason: custom
      ? `declared batch_axes ${JSON.stringify(declared)}; every other input and output has a dynamic first dimension`
      : 'every input and output has a dynamic first dimension',
    inputs,
    outputs,
  };
}

/** The log line and inspect's text: `batching: batched (every input ...)`. */
export function describePlan(plan: BatchPlan): string {
  return `batching: ${plan.mode} (${plan.reason})`;
}
