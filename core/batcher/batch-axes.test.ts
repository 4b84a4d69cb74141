import { describe, expect, it } from 'vitest';
import type { Tensor } from '../tensor/tensor.ts';
import { concatAxis, sliceAxis } from './batch-axes.ts';

// [2 layers, batch, 2 units]: entry (l, b, u) holds 100l + 10b + u, with b offset per part.
const state = (batch: number, offset: number): Tensor => ({
  dtype: 'int32',
  dims: [2, batch, 2],
  data: Int32Array.from({ length: 4 * batch }, (_, i) => {
    const [l, b, u] = [Math.floor(i / (2 * batch)), Math.floor(i / 2) % batch, i % 2];
    return 100 * l + 10 * (b + offset) + u;
  }),
});

describe('concat and slice along a batch axis other than 0', () => {
  it('concatenates parts along axis 1, pads with the last part’s first entry, and slices back', () => {
    const joined = concatAxis([{ tensor: state(1, 0), start: 0, rows: 1 }, { tensor: state(3, 1), start: 1, rows: 2 }], 1, 1);
    expect(joined.dims).toEqual([2, 4, 2]);
    expect(Array.from(joined.data as Int32Array)).toEqual([0, 1, 20, 21, 30, 31, 20, 21, 100, 101, 120, 121, 130, 131, 120, 121]);
    expect(Array.from(sliceAxis(joined, 1, 1, 2).data as Int32Array)).toEqual([20, 21, 30, 31, 120, 121, 130, 131]);
    expect(sliceAxis(joined, 1, 0, 4)).toBe(joined);
  });

  it('handles strings and leaves a whole single part alone', () => {
    const words: Tensor = { dtype: 'string', dims: [1, 2], data: ['a', 'b'] };
    const more: Tensor = { dtype: 'string', dims: [1, 1], data: ['c'] };
    expect(concatAxis([{ tensor: words, start: 0, rows: 2 }, { tensor: more, start: 0, rows: 1 }], 1).data).toEqual(['a', 'b', 'c']);
    expect(concatAxis([{ tensor: words, start: 0, rows: 2 }], 1)).toBe(words);
  });
});
