import { describe, expect, it } from 'vitest';
import { ortErrorText, runError } from './ort-errors.ts';

const NODE = 'Got invalid dimensions for input: x.1 for the following indices\n index: 0 Got: 2 Expected: 1\n Please fix either the inputs/outputs or the model.';

describe('onnxruntime errors', () => {
  it('reads the same on node and wasm: every line, no OrtRun() prefix', () => {
    const wasm = `failed to call OrtRun(). ERROR_CODE: 2, ERROR_MESSAGE: ${NODE}`;
    const text = 'Got invalid dimensions for input: x.1 for the following indices; index: 0 Got: 2 Expected: 1; Please fix either the inputs/outputs or the model.';
    expect(ortErrorText(new Error(NODE))).toBe(text);
    expect(ortErrorText(new Error(wasm))).toBe(text);
  });

  it('is INVALID_ARGUMENT for shape and dtype mismatches, INTERNAL for the rest', () => {
    expect(runError(new Error(NODE)).code).toBe('INVALID_ARGUMENT');
    expect(runError(new Error('Unexpected input data type. Actual: (tensor(double)) , expected: (tensor(float))')).code).toBe('INVALID_ARGUMENT');
    const broadcast = runError(
      new Error("Non-zero status code returned while running Add node. Name:'add_0' Status Message: /onnxruntime_src/onnxruntime/core/providers/cpu/math/element_wise_ops.h:583 void f() Attempting to broadcast an axis by a dimension other than 1. 2 by 3\n"),
    );
    expect(broadcast.code).toBe('INVALID_ARGUMENT');
    expect(broadcast.message).not.toContain('onnxruntime_src');
    expect(runError(new Error('failed to call OrtRun(). ERROR_CODE: 6, ERROR_MESSAGE: bad allocation')).code).toBe('INTERNAL');
    expect(runError(new Error('failed to call OrtRun(). ERROR_CODE: 6, ERROR_MESSAGE: bad allocation')).message).toBe('bad allocation');
  });

  it("names the request input a caller's mistake lies in, where the inputs tell", () => {
    const gather = new Error("Non-zero status code returned while running Gather node. Name:'g' Status Message: indices element out of data bounds, idx=-9 must be within the inclusive range [-4,3]");
    const ids32 = { dtype: 'int32' as const, dims: [1, 2], data: Int32Array.of(1, -9) };
    const x = { dtype: 'float32' as const, dims: [1, 2], data: Float32Array.of(-9, 0) };
    expect(runError(gather, { x, ids: ids32 }).message).toMatch(/^input ids: index -9 is out of range: Non-zero status/);
    // No integer input holds the index: the message is onnxruntime's alone.
    expect(runError(gather, { x }).message).toMatch(/^Non-zero status/);
    const concat = new Error("Non-zero status code returned while running Concat node. Name:'c' Status Message: Non concat axis dimensions must match");
    expect(runError(concat, { a: { ...x, dims: [2, 1] }, b: x }).message).toMatch(/^inputs a and b disagree on their first \(batch\) dimension, 2 and 1: /);
    expect(runError(concat, { a: x, b: x }).message).toMatch(/^Non-zero status/);
  });
});
