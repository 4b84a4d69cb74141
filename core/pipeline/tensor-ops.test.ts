import { describe, expect, it } from 'vitest';
import { servingErrorMessage } from '../../test/support/thrown.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { applyTensorOp, parseTensorOp, tensorOpSpec, type TensorOp } from './tensor-ops.ts';

// The tensor steps between a chain's models, on small tensors worked out by hand.
const t = (dims: number[], values?: number[]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(values ?? Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => i)) });
const run = (op: TensorOp, tensor: Tensor) => {
  const out = applyTensorOp(op, tensor, 'steps[1]');
  return { dims: out.dims, data: Array.from(out.data as Float32Array) };
};
const fail = (what: string, message: string) => new Error(`${what}: ${message}`);

describe('tensor steps', () => {
  it('affine scales and shifts, as float32', () => {
    expect(run({ op: 'affine', multiply: 0.1, add: 2 }, t([1, 2], [10, -20]))).toEqual({ dims: [1, 2], data: [3, 0] });
  });

  it('frames cuts windows along an axis onto a new first axis', () => {
    // [1, 5, 2]: five frames of two values; windows of 3 every 2 -> frames 0-2 and 2-4.
    expect(run({ op: 'frames', axis: 1, size: 3, step: 2 }, t([1, 5, 2]))).toEqual({ dims: [2, 1, 3, 2], data: [0, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9] });
    expect(servingErrorMessage(() => run({ op: 'frames', axis: 1, size: 6, step: 1 }, t([1, 5, 2])))).toBe('steps[1]: needs at least 6 along axis 1, the tensor has 5');
  });

  it('slice takes a range, counting from the end when negative, and checks a declared length', () => {
    expect(run({ op: 'slice', axis: 0, start: -2, end: null, length: null }, t([4, 2]))).toEqual({ dims: [2, 2], data: [4, 5, 6, 7] });
    expect(run({ op: 'slice', axis: 1, start: 1, end: 3, length: 2 }, t([2, 4]))).toEqual({ dims: [2, 2], data: [1, 2, 5, 6] });
    expect(servingErrorMessage(() => run({ op: 'slice', axis: 0, start: -16, end: null, length: 16 }, t([10, 1])))).toBe(
      'steps[1]: needs 16 along axis 0, the tensor gives 10 of its 10',
    );
  });

  it('max keeps the largest value along an axis', () => {
    expect(run({ op: 'max', axis: 0 }, t([3, 2], [1, 9, 7, 2, 5, 5]))).toEqual({ dims: [1, 2], data: [7, 9] });
    expect(run({ op: 'max', axis: 1 }, t([2, 3], [1, 9, 7, -2, -5, -1]))).toEqual({ dims: [2, 1], data: [9, -1] });
  });

  it('reshape keeps the elements, computing one -1, and refuses a count that does not fit', () => {
    expect(run({ op: 'reshape', dims: [-1, 3] }, t([1, 6])).dims).toEqual([2, 3]);
    expect(run({ op: 'reshape', dims: [] }, t([1, 1], [4]))).toEqual({ dims: [], data: [4] });
    expect(servingErrorMessage(() => run({ op: 'reshape', dims: [-1, 4] }, t([1, 6])))).toBe('steps[1]: cannot reshape [1, 6] (6 elements) to [-1, 4]');
  });

  it('says at load what each step makes, and refuses what cannot fit', () => {
    const mel = { name: 'mel', dtype: 'float32' as const, dims: [-1, 1, -1, 32] };
    const frames = parseTensorOp({ op: 'frames', axis: 2, size: 76, step: 8 }, 'steps[2]', fail);
    expect(tensorOpSpec(frames, mel, 'windows', 'steps[2]', fail)).toEqual({ name: 'windows', dtype: 'float32', dims: [-1, -1, 1, 76, 32] });
    expect(() => tensorOpSpec(parseTensorOp({ op: 'max', axis: 4 }, 'steps[3]', fail), mel, 'm', 'steps[3]', fail)).toThrow('steps[3].axis: mel has 4 axes');
    expect(() => tensorOpSpec({ op: 'reshape', dims: [5] }, { ...mel, dims: [2, 3] }, 'r', 'steps[3]', fail)).toThrow('steps[3].dims: [5] does not hold the 6 elements of mel [2, 3]');
    expect(() => parseTensorOp({ op: 'reshape', dims: [-1, -1] }, 'steps[3]', fail)).toThrow('steps[3].dims: must be a list of positive integers with at most one -1');
    expect(() => parseTensorOp({ op: 'blur' }, 'steps[3]', fail)).toThrow(/op "blur" is not a step/);
  });
});
