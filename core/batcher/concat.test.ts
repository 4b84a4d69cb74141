import { describe, expect, it } from 'vitest';
import { allocate, type DType, type Tensor } from '../tensor/tensor.ts';
import { concatRows, sliceRows } from './concat.ts';

const DTYPES: DType[] = ['float32', 'float64', 'float16', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'bool', 'string'];

/** A [rows, 2] tensor whose element i holds base + i in the dtype's representation. */
function tensor(dtype: DType, rows: number, base: number): Tensor {
  const data = allocate(dtype, rows * 2);
  for (let i = 0; i < rows * 2; i++) {
    const v = dtype === 'bool' ? (base + i) % 2 : base + i;
    if (Array.isArray(data)) data[i] = `s${v}`;
    else if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[i] = BigInt(v);
    else data[i] = v;
  }
  return { dtype, dims: [rows, 2], data };
}

const values = (t: Tensor) => Array.from(t.data as ArrayLike<unknown>, (v) => String(v));

describe('concatRows', () => {
  for (const dtype of DTYPES) {
    it(`joins ranges in order, then pads with the last range's first row (${dtype})`, () => {
      const a = tensor(dtype, 3, 0);
      const b = tensor(dtype, 2, 100);
      const out = concatRows([{ tensor: a, start: 1, rows: 2 }, { tensor: b, start: 0, rows: 2 }], 2);
      expect(out.dtype).toBe(dtype);
      expect(out.dims).toEqual([6, 2]);
      expect(out.data.constructor).toBe(a.data.constructor);
      const expected = [...values(a).slice(2, 6), ...values(b), ...values(b).slice(0, 2), ...values(b).slice(0, 2)];
      expect(values(out)).toEqual(expected);
    });
  }

  it('returns a whole unpadded tensor as is', () => {
    const t = tensor('float32', 4, 0);
    expect(concatRows([{ tensor: t, start: 0, rows: 4 }])).toBe(t);
  });

  it('handles rank-1 tensors, higher ranks and empty ranges', () => {
    const v: Tensor = { dtype: 'int32', dims: [3], data: Int32Array.from([1, 2, 3]) };
    const out = concatRows([{ tensor: v, start: 0, rows: 0 }, { tensor: v, start: 2, rows: 1 }, { tensor: v, start: 0, rows: 2 }]);
    expect(out.dims).toEqual([3]);
    expect(Array.from(out.data as Int32Array)).toEqual([3, 1, 2]);
    const cube: Tensor = { dtype: 'uint8', dims: [2, 2, 2], data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) };
    const twice = concatRows([{ tensor: cube, start: 1, rows: 1 }], 1);
    expect(twice.dims).toEqual([2, 2, 2]);
    expect(Array.from(twice.data as Uint8Array)).toEqual([5, 6, 7, 8, 5, 6, 7, 8]);
  });
});

describe('sliceRows', () => {
  for (const dtype of DTYPES) {
    it(`returns the rows asked for (${dtype})`, () => {
      const t = tensor(dtype, 4, 10);
      const s = sliceRows(t, 1, 2);
      expect(s.dims).toEqual([2, 2]);
      expect(s.data.constructor).toBe(t.data.constructor);
      expect(values(s)).toEqual(values(t).slice(2, 6));
    });
  }

  it('views typed data without copying, copies strings, and returns the whole tensor as is', () => {
    const f = tensor('float32', 3, 0);
    const view = sliceRows(f, 2, 1).data as Float32Array;
    expect(view.buffer).toBe((f.data as Float32Array).buffer);
    const s = tensor('string', 3, 0);
    const copy = sliceRows(s, 0, 1).data as string[];
    copy[0] = 'changed';
    expect((s.data as string[])[0]).toBe('s0');
    expect(sliceRows(f, 0, 3)).toBe(f);
  });

  it('round-trips with concatRows', () => {
    const a = tensor('int64', 2, 0);
    const b = tensor('int64', 3, 50);
    const joined = concatRows([{ tensor: a, start: 0, rows: 2 }, { tensor: b, start: 0, rows: 3 }]);
    expect(values(sliceRows(joined, 0, 2))).toEqual(values(a));
    expect(values(sliceRows(joined, 2, 3))).toEqual(values(b));
  });
});
