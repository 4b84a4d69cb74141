import { allocate, elementCount, type Tensor, type TensorData } from '../tensor/tensor.ts';

/**
 * Row ranges of tensors along dim 0 (the batch dimension), for every dtype of core/tensor.
 * Callers guarantee what the batcher checks before it merges requests: every part has the same
 * dtype and the same non-batch dims, and every range lies inside its tensor.
 */
export interface RowRange {
  tensor: Tensor;
  /** First row of the range. */
  start: number;
  rows: number;
}

/** Any typed array of TensorData, seen through the methods concat and slice use. */
type Typed = Exclude<TensorData, string[]> & {
  set(source: ArrayLike<unknown>, offset: number): void;
  subarray(begin: number, end: number): Typed;
};

/**
 * One tensor holding the ranges in order, then `padRows` copies of the first row of the last
 * range (TF Serving's padding). A single range covering its whole tensor, unpadded, is returned
 * as is: the batch-of-one path copies nothing.
 */
export function concatRows(parts: RowRange[], padRows = 0): Tensor {
  const first = parts[0].tensor;
  if (parts.length === 1 && padRows === 0 && parts[0].start === 0 && parts[0].rows === first.dims[0]) return first;
  const rowSize = elementCount(first.dims.slice(1));
  let rows = padRows;
  for (const p of parts) rows += p.rows;
  const out = allocate(first.dtype, rows * rowSize);
  let at = 0;
  const copy = (src: TensorData, row: number, count: number) => {
    const from = row * rowSize;
    const to = from + count * rowSize;
    if (Array.isArray(src)) for (let i = from; i < to; i++) (out as string[])[at++] = src[i];
    else {
      (out as Typed).set((src as Typed).subarray(from, to), at);
      at += to - from;
    }
  };
  for (const p of parts) copy(p.tensor.data, p.start, p.rows);
  const last = parts[parts.length - 1];
  for (let i = 0; i < padRows; i++) copy(last.tensor.data, last.start, 1);
  return { dtype: first.dtype, dims: [rows, ...first.dims.slice(1)], data: out };
}

/**
 * Rows [start, start + rows) of `tensor`. Typed data is a view that shares the tensor's buffer
 * (no copy); string data is copied. The whole tensor is returned as is.
 */
export function sliceRows(tensor: Tensor, start: number, rows: number): Tensor {
  if (start === 0 && rows === tensor.dims[0]) return tensor;
  const rowSize = elementCount(tensor.dims.slice(1));
  const from = start * rowSize;
  const to = from + rows * rowSize;
  const data = Array.isArray(tensor.data) ? tensor.data.slice(from, to) : (tensor.data as Typed).subarray(from, to);
  return { dtype: tensor.dtype, dims: [rows, ...tensor.dims.slice(1)], data: data as TensorData };
}
