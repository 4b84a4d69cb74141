import { failedPrecondition, invalidArgument } from '../errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { concatRows, sliceRows } from './concat.ts';
import type { Batch, Task } from './queue.ts';

/**
 * Turning requests into one run's inputs and the run's outputs back into requests, with
 * TF Serving's checks and messages (batching_session.cc).
 */

/**
 * A request's row count and merge key. Throws INVALID_ARGUMENT for what cannot be batched: no
 * inputs, a scalar input, inputs that disagree on dim 0, more rows than maxBatchSize.
 */
export function describeTask(inputs: Record<string, Tensor>, maxBatchSize: number): { rows: number; key: string } {
  const names = Object.keys(inputs);
  if (names.length === 0) throw invalidArgument('Batching Run() must have at least one input tensor');
  if (names.length > 1) names.sort();
  let rows = -1;
  let key = '';
  for (const name of names) {
    const { dtype, dims } = inputs[name];
    if (dims.length === 0) throw invalidArgument('Batching Run() input tensors must have at least one dimension');
    if (rows >= 0 && dims[0] !== rows) throw invalidArgument('Batching Run() input tensors must have equal 0th-dimension size');
    rows = dims[0];
    key += `${JSON.stringify(name)}:${dtype}:${dims.slice(1).join(',')};`;
  }
  if (rows > maxBatchSize) throw invalidArgument(`Task size ${rows} is larger than maximum input batch size ${maxBatchSize}`);
  return { rows, key };
}

/** The run's inputs: every chunk's rows in batch order, then padRows padding rows. */
export function batchInputs(batch: Batch, padRows: number): Record<string, Tensor> {
  const inputs: Record<string, Tensor> = {};
  for (const name of Object.keys(batch.chunks[0].task.inputs)) {
    inputs[name] = concatRows(
      batch.chunks.map((c) => ({ tensor: c.task.inputs[name], start: c.start, rows: c.rows })),
      padRows,
    );
  }
  return inputs;
}

/**
 * Each chunk's rows of the run's outputs, in batch order; padding rows are dropped. Throws
 * FAILED_PRECONDITION, before anything is handed out, when an output has no batch dimension.
 */
export function splitOutputs(batch: Batch, outputs: Record<string, Tensor>, paddedRows: number): Record<string, Tensor>[] {
  for (const t of Object.values(outputs)) {
    if (t.dims.length === 0) throw failedPrecondition('Batched output tensor has 0 dimensions');
    if (t.dims[0] !== paddedRows) {
      throw failedPrecondition("Batched output tensor's 0th dimension does not equal the sum of the 0th dimension sizes of the input tensors");
    }
  }
  let row = 0;
  return batch.chunks.map((c) => {
    const mine: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(outputs)) mine[name] = sliceRows(t, row, c.rows);
    row += c.rows;
    return mine;
  });
}

/** A split task's outputs: its chunks' outputs joined in row order. */
export function joinChunks(task: Task): Record<string, Tensor> {
  const first = task.chunks[0].outputs!;
  if (task.chunks.length === 1) return first;
  const outputs: Record<string, Tensor> = {};
  for (const name of Object.keys(first)) {
    outputs[name] = concatRows(task.chunks.map((c) => ({ tensor: c.outputs![name], start: 0, rows: c.rows })));
  }
  return outputs;
}
