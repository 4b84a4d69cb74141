import { describe, expect, it } from 'vitest';
import { servingErrorMessage } from '../../test/support/thrown.ts';
import { MAX_QUOTED_CHARS, quoted } from '../errors.ts';
import { TensorBudget, defaultMaxTensorBytes, shapeFitsSignature, tensorBytes } from './budget.ts';
import type { TensorSpec } from './tensor.ts';

const spec = (dims: number[] | null): TensorSpec => ({ name: 'x', dtype: 'float32', dims });

describe('shapeFitsSignature', () => {
  it('takes any size in a dynamic dim and the exact size in a fixed one', () => {
    expect(() => shapeFitsSignature('x', [7, 3], spec([-1, 3]))).not.toThrow();
    expect(servingErrorMessage(() => shapeFitsSignature('x', [7, 4], spec([-1, 3])))).toBe("input x: tensor_shape [7,4] does not match the signature's [-1,3]");
    expect(servingErrorMessage(() => shapeFitsSignature('x', [21], spec([-1, 3])))).toBe("input x: tensor_shape [21] has rank 1; the signature's [-1,3] has rank 2");
  });

  it('holds a fixed dim of 0 to 0: only -1 is dynamic', () => {
    expect(() => shapeFitsSignature('x', [0, 3], spec([0, 3]))).not.toThrow();
    expect(servingErrorMessage(() => shapeFitsSignature('x', [5, 3], spec([0, 3])))).toBe("input x: tensor_shape [5,3] does not match the signature's [0,3]");
  });

  it('does not check an input whose rank is unknown, and holds a scalar to rank 0', () => {
    expect(() => shapeFitsSignature('x', [1, 2, 3], spec(null))).not.toThrow();
    expect(() => shapeFitsSignature('x', [], spec([]))).not.toThrow();
    expect(() => shapeFitsSignature('x', [1, 2, 3], spec([]))).toThrow(/rank 3; the signature's \[\] has rank 0/);
  });
});

describe('TensorBudget', () => {
  it('charges every input of a request against one limit', () => {
    const budget = new TensorBudget(100);
    budget.charge('a', 'float32', [10, 2]);
    expect(servingErrorMessage(() => budget.charge('b', 'float64', [3, 3]))).toBe(
      'input b: tensor_shape [3,3] needs 72 bytes; one request may allocate 100 bytes in all (80 taken by other inputs) (--max_tensor_bytes)',
    );
    budget.charge('c', 'int8', [20]);
  });

  it('takes a tensor exactly at the limit and refuses one byte more, naming no other inputs when there are none', () => {
    expect(() => new TensorBudget(40).charge('a', 'float32', [2, 5])).not.toThrow();
    expect(servingErrorMessage(() => new TensorBudget(39).charge('a', 'float32', [2, 5]))).toBe(
      'input a: tensor_shape [2,5] needs 40 bytes; one request may allocate 39 bytes in all (--max_tensor_bytes)',
    );
    const budget = new TensorBudget(41);
    budget.charge('a', 'float32', [2, 5]);
    budget.charge('b', 'uint8', [1]);
    expect(servingErrorMessage(() => budget.charge('c', 'bool', [1]))).toBe(
      'input c: tensor_shape [1] needs 1 bytes; one request may allocate 41 bytes in all (41 taken by other inputs) (--max_tensor_bytes)',
    );
  });

  it('refuses shapes whose size overflows, and counts strings and unknown dtypes 16 bytes each', () => {
    expect(() => new TensorBudget(2 ** 40).charge('x', 'bool', [2 ** 40, 2 ** 40])).toThrow(/one request may allocate/);
    expect(tensorBytes('string', [3])).toBe(48);
    expect(tensorBytes(undefined, [3])).toBe(48);
  });

  it('defaults to 16 x the body limit: 1 GiB at the default 64 MiB', () => {
    expect(defaultMaxTensorBytes(64 * 1024 ** 2)).toBe(1024 ** 3);
  });
});

describe('quoted', () => {
  it('cuts caller text at MAX_QUOTED_CHARS with "...", never inside a surrogate pair', () => {
    expect(quoted('abc')).toBe('abc');
    expect(quoted('a'.repeat(MAX_QUOTED_CHARS))).toBe('a'.repeat(MAX_QUOTED_CHARS));
    expect(quoted('a'.repeat(5000))).toBe(`${'a'.repeat(MAX_QUOTED_CHARS)}...`);
    const emoji = `${'a'.repeat(MAX_QUOTED_CHARS - 1)}😀tail`;
    expect(quoted(emoji)).toBe(`${'a'.repeat(MAX_QUOTED_CHARS - 1)}...`);
  });
});
