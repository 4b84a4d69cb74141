import { allocate, elementCount, type Tensor, type TensorData } from '../tensor/tensor.ts';
import { concatRows, sliceRows, type RowRange } from './concat.ts';

/**
 * concat.ts's row ranges along any axis: a model may declare its batch on axis 1 (recurrent state
 * shaped [layers, batch, units]). Axis 0 is concat.ts itself (views and the no-copy batch of one);
 * on axis k every one of the outer prod(dims[0..k)) blocks is copied part by part. Callers
 * guarantee the parts agree on dtype and every dim but `axis`.
 */
export function concatAxis(parts: RowRange[], axis: number, padRows = 0): Tensor {
  if (axis === 0) return concatRows(parts, padRows);
  const first = parts[0].tensor;
  const dims = first.dims;
  if (parts.length === 1 && padRows === 0 && parts[0].start === 0 && parts[0].rows === dims[axis]) return first;
  const outer = elementCount(dims.slice(0, axis));
  const inner = elementCount(dims.slice(axis + 1));
  let rows = padRows;
  for (const p of parts) rows += p.rows;
  const out = allocate(first.dtype, outer * rows * inner);
  let at = 0;
  const copy = (t: Tensor, o: number, row: number, count: number) => {
    const from = (o * t.dims[axis] + row) * inner;
    const to = from + count * inner;
    if (Array.isArray(t.data)) for (let i = from; i < to; i++) (out as string[])[at++] = t.data[i];
    else {
      (out as Uint8Array).set((t.data as Uint8Array).subarray(from, to), at);
      at += to - from;
    }
  };
  const last = parts[parts.length - 1];
  for (let o = 0; o < outer; o++) {
    for (const p of parts) copy(p.tensor, o, p.start, p.rows);
    for (let i = 0; i < padRows; i++) copy(last.tensor, o, last.start, 1);
  }
  const outDims = [...dims];
  outDims[axis] = rows;
  return { dtype: first.dtype, dims: outDims, data: out as TensorData };
}

/** Entries [start, start + rows) of `tensor` along `axis`; axis 0 shares the buffer (concat.ts). */
export function sliceAxis(tensor: Tensor, axis: number, start: number, rows: number): Tensor {
  if (axis === 0) return sliceRows(tensor, start, rows);
  return concatAxis([{ tensor, start, rows }], axis);
}
