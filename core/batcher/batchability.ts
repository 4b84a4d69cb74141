import type { Session } from '../backend/backend.ts';
import type { BatchAxes } from '../config/batch-axes.ts';
import { invalidArgument } from '../errors.ts';
import type { Signature, TensorSpec } from '../tensor/tensor.ts';

/**
 * Whether a servable may batch, and along which axes: decided once per servable from its
 * signature (the graph's exact shapes: fixed dims, dynamic dims, scalars, unknown rank) and the
 * model's declared batch axes (config/batch-axes.ts). The batcher reads it; so do the manager (to
 * refuse a declaration that contradicts the graph, at load) and `edgeserve inspect`.
 *
 * The rule: a servable batches only when every input and output has a dynamic dimension on its
 * batch axis (axis 0 unless declared; a declared axis of an unknown-rank tensor counts), or is a
 * declared shared input; at least one input must be batched. Anything else runs each request on its own, exactly as with batching off: the batcher
 * is never the reason a request fails.
 */
export type Axis = number | 'shared';

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

/**
 * Throws INVALID_ARGUMENT, naming the input or output, when a declaration contradicts the graph.
 * Called at load, so a wrong model.json fails that version with a message saying why.
 */
export function checkBatchAxes(signature: Signature, declared: BatchAxes | undefined): void {
  const problem = declared && declarationProblem(signature, declared);
  if (problem) throw invalidArgument(`model.json batching.batch_axes: ${problem}`);
}

/** checkBatchAxes for a freshly loaded session: releases it before rejecting, so nothing leaks. */
export async function checkSessionBatchAxes(session: Session, declared: BatchAxes | undefined): Promise<void> {
  try {
    checkBatchAxes(session.signature, declared);
  } catch (err) {
    await session.release();
    throw err;
  }
}

function declarationProblem(signature: Signature, declared: BatchAxes): string | null {
  for (const [name, axis] of Object.entries(declared)) {
    const input = signature.inputs.find((s) => s.name === name);
    const spec = input ?? signature.outputs.find((s) => s.name === name);
    if (!spec) return `${name} is not an input or output of the model`;
    if (axis === 'shared') {
      if (!input) return `output ${name} cannot be "shared" (only inputs can)`;
      continue;
    }
    const why = notBatchable(spec, axis, true);
    if (why) return `${input ? 'input' : 'output'} ${name} cannot batch on axis ${axis}: it ${why}`;
  }
  return null;
}

/**
 * Why `spec` cannot batch on `axis`, or null. A declared axis on an unknown-rank tensor is taken
 * on trust (converters drop shapes the model still has): requests whose rank is too small for it
 * then run alone (merge.ts).
 */
function notBatchable(spec: TensorSpec, axis: number, declared: boolean): string | null {
  const { dims } = spec;
  if (dims === null) return declared ? null : 'has unknown rank';
  if (dims.length === 0) return 'is a scalar';
  if (axis >= dims.length) return `has rank ${dims.length}, no axis ${axis}`;
  if (dims[axis] !== -1) return `has a fixed size ${dims[axis]} on axis ${axis}`;
  return null;
}

/** The log line and inspect's text: `batching: batched (every input ...)`. */
export function describePlan(plan: BatchPlan): string {
  return `batching: ${plan.mode} (${plan.reason})`;
}
