import type { Tensor } from './tensor.ts';

/** A tensor as nested arrays of its shape, each element given by `value(flat index)` (a rank-0 tensor is its one value). */
export function nestedArrays(t: Tensor, value: (index: number) => unknown): unknown {
  const build = (depth: number, offset: number): unknown => {
    if (depth === t.dims.length) return value(offset);
    const stride = t.dims.slice(depth + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: t.dims[depth] }, (_, i) => build(depth + 1, offset + i * stride));
  };
  return build(0, 0);
}
