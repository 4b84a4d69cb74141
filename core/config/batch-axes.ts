import { invalidArgument } from '../errors.ts';
import type { Signature, TensorSpec } from '../tensor/tensor.ts';
import { ConfigError } from './config-error.ts';

/**
 * A model's batch axes, declared in model.json's batching section (`"batch_axes": {"h": 1,
 * "sr": "shared"}`), keyed by input or output name:
 *   a number k >= 0   the batch runs along axis k of that tensor (concatenated and split there);
 *   "shared"          (inputs only) not batched: requests merge only when their values are equal,
 *                     and the batch runs with that one value.
 * Names not listed batch on axis 0. The manager checks the declaration against the graph at load
 * (checkBatchAxes); core/batcher/batchability.ts plans the batches from it.
 */
export type BatchAxes = Record<string, number | 'shared'>;

export function readBatchAxes(value: unknown, where: string): BatchAxes {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`${where}: must be a JSON object`);
  const axes: BatchAxes = {};
  for (const [name, axis] of Object.entries(value)) {
    if (axis !== 'shared' && !(typeof axis === 'number' && Number.isSafeInteger(axis) && axis >= 0)) {
      throw new ConfigError(`${where}.${name}: must be an axis number (0, 1, ...) or "shared", got ${JSON.stringify(axis)}`);
    }
    Object.defineProperty(axes, name, { value: axis, enumerable: true, writable: true, configurable: true });
  }
  return axes;
}

/**
 * Throws INVALID_ARGUMENT, naming the input or output, when a declaration contradicts the graph.
 * Called at load, so a wrong model.json fails that version with a message saying why.
 */
export function checkBatchAxes(signature: Signature, declared: BatchAxes | undefined): void {
  const problem = declared && declarationProblem(signature, declared);
  if (problem) throw invalidArgument(`model.json batching.batch_axes: ${problem}`);
}

export function declarationProblem(signature: Signature, declared: BatchAxes): string | null {
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
export function notBatchable(spec: TensorSpec, axis: number, declared: boolean): string | null {
  const { dims } = spec;
  if (dims === null) return declared ? null : 'has unknown rank';
  if (dims.length === 0) return 'is a scalar';
  if (axis >= dims.length) return `has rank ${dims.length}, no axis ${axis}`;
  if (dims[axis] !== -1) return `has a fixed size ${dims[axis]} on axis ${axis}`;
  return null;
}
