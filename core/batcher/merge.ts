import { failedPrecondition, invalidArgument } from '../errors.ts';
import type { Tensor, TensorData } from '../tensor/tensor.ts';
import { concatAxis, sliceAxis } from './batch-axes.ts';
import type { Axis } from './batchability.ts';
import type { Batch, Task } from './queue.ts';

/**
 * Turning requests into one run's inputs and the run's outputs back into requests, with
 * TF Serving's checks and messages (batching_session.cc).
 */

/**
 * A request's row count and merge key under the servable's batch plan (batchability.ts), or null
 * when the request does not fit the plan (an input the plan does not know, a rank too small for
 * its batch axis, inputs that disagree on the batch size): such a request runs alone, so the
 * caller gets the session's own answer or error, as with batching off. Throws INVALID_ARGUMENT
 * for TF Serving's checks: no inputs, more rows than maxBatchSize. Shared inputs join the key by
 * value: requests merge only when their shared inputs are equal.
 */
export function describeTask(inputs: Record<string, Tensor>, maxBatchSize: number, axes: Map<string, Axis>): { rows: number; key: string } | null {
  const names = Object.keys(inputs);
  if (names.length === 0) throw invalidArgument('Batching Run() must have at least one input tensor');
  if (names.length > 1) names.sort();
  let rows = -1;
  let key = '';
  for (const name of names) {
    const { dtype, dims, data } = inputs[name];
    const axis = axes.get(name);
    if (axis === undefined) return null;
    if (axis === 'shared') {
      key += `${JSON.stringify(name)}:${dtype}:${dims.join(',')}=${valueKey(data)};`;
      continue;
    }
    if (dims.length <= axis || (rows >= 0 && dims[axis] !== rows)) return null;
    rows = dims[axis];
    key += `${JSON.stringify(name)}:${dtype}:${dims.map((d, i) => (i === axis ? '*' : d)).join(',')};`;
  }
  if (rows < 0) return null;
  if (rows > maxBatchSize) throw invalidArgument(`Task size ${rows} is larger than maximum input batch size ${maxBatchSize}`);
  return { rows, key };
}

function valueKey(data: TensorData): string {
  if (Array.isArray(data)) return JSON.stringify(data);
  return Array.prototype.join.call(data, ',');
}

/** The run's inputs: every chunk's rows in batch order, then padRows padding rows. */
export function batchInputs(batch: Batch, padRows: number, axes: Map<string, Axis>): Record<string, Tensor> {
  const inputs: Record<string, Tensor> = {};
  for (const [name, first] of Object.entries(batch.chunks[0].task.inputs)) {
    const axis = axes.get(name)!;
    // Shared inputs are equal across the batch (they are part of its key): the first stands for all.
    inputs[name] =
      axis === 'shared'
        ? first
        : concatAxis(
            batch.chunks.map((c) => ({ tensor: c.task.inputs[name], start: c.start, rows: c.rows })),
            axis,
            padRows,
          );
  }
  return inputs;
}

/**
 * Each chunk's rows of the run's outputs (along each output's batch axis, default 0), in batch
 * order; padding rows are dropped. Throws FAILED_PRECONDITION, before anything is handed out,
 * when an output has no batch dimension.
 */
export function splitOutputs(batch: Batch, outputs: Record<string, Tensor>, paddedRows: number, axes: Map<string, number>): Record<string, Tensor>[] {
  for (const [name, t] of Object.entries(outputs)) {
    const axis = axes.get(name) ?? 0;
    if (t.dims.length <= axis) throw failedPrecondition(`Batched output tensor has ${t.dims.length} dimensions`);
    if (t.dims[axis] !== paddedRows) {
      throw failedPrecondition("Batched output tensor's 0th dimension does not equal the sum of the 0th dimension sizes of the input tensors");
    }
  }
  let row = 0;
  return batch.chunks.map((c) => {
    const mine: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(outputs)) mine[name] = sliceAxis(t, axes.get(name) ?? 0, row, c.rows);
    row += c.rows;
    return mine;
  });
}

/** A split task's outputs: its chunks' outputs joined in row order. */
export function joinChunks(task: Task, axes: Map<string, number>): Record<string, Tensor> {
  const first = task.chunks[0].outputs!;
  if (task.chunks.length === 1) return first;
  const outputs: Record<string, Tensor> = {};
  for (const name of Object.keys(first)) {
    outputs[name] = concatAxis(
      task.chunks.map((c) => ({ tensor: c.outputs![name], start: 0, rows: c.rows })),
      axes.get(name) ?? 0,
    );
  }
  return outputs;
}
