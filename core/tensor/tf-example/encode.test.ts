import { describe, expect, it } from 'vitest';
import { classifyResults, encodeClassifyResponse, encodeRegressResponse, regressResults } from './encode.ts';
import type { DType, Signature, Tensor, TensorData } from '../tensor.ts';
import { servingErrorMessage } from '../../../test/support/thrown.ts';

const t = (dtype: DType, dims: number[], data: TensorData): Tensor => ({ dtype, dims, data });
const f32 = (dims: number[], values: number[]) => t('float32', dims, new Float32Array(values));

/** A signature whose outputs are the given tensors (dims dynamic on the batch). */
function signatureOf(outputs: Record<string, Tensor>): Signature {
  return {
    inputs: [{ name: 'x', dtype: 'float32', dims: [-1] }],
    outputs: Object.entries(outputs).map(([name, o]) => ({ name, dtype: o.dtype, dims: o.dims.map((d, i) => (i === 0 ? -1 : d)) })),
  };
}

const classify = (outputs: Record<string, Tensor>, labels: string[] | null = null) =>
  encodeClassifyResponse(classifyResults(outputs, signatureOf(outputs), labels));
const regress = (outputs: Record<string, Tensor>) => encodeRegressResponse(regressResults(outputs, signatureOf(outputs)));

const failure = (run: () => unknown): string => servingErrorMessage(run);

describe('encodeClassifyResponse', () => {
  it('uses the only float output as scores, with empty labels (half_plus_two classify_x_to_y)', () => {
    expect(classify({ y: f32([1, 1], [12]) })).toBe('{"results":[[["",12.0]]]}');
  });

  it('labels score columns from the labels list', () => {
    expect(classify({ probs: f32([2, 3], [0.1, 0.2, 0.7, 1, 0, 0]) }, ['cat', 'dog', 'fox'])).toBe(
      '{"results":[[["cat",0.1],["dog",0.2],["fox",0.7]],[["cat",1.0],["dog",0.0],["fox",0.0]]]}',
    );
  });

  it('prefers outputs named scores and classes', () => {
    const outputs = {
      logits: f32([1, 2], [5, 6]),
      scores: t('float64', [1, 2], new Float64Array([0.25, 0.75])),
      classes: t('string', [1, 2], ['a', 'b']),
    };
    expect(classify(outputs, ['ignored', 'labels'])).toBe('{"results":[[["a",0.25],["b",0.75]]]}');
  });

  it('gives score 0 when there are classes but no float output, as TF Serving', () => {
    expect(classify({ classes: t('string', [1, 2], ['a', 'b']), ids: t('int64', [1, 2], new BigInt64Array(2)) })).toBe(
      '{"results":[[["a",0.0],["b",0.0]]]}',
    );
  });

  it('writes float16 scores and special values as float32', () => {
    expect(classify({ s: t('float16', [1, 2], new Uint16Array([0x2e66, 0x7c00])) })).toBe('{"results":[[["",0.0999755859],["",Infinity]]]}');
  });

  it.each([
    [{ ids: t('int64', [1, 1], new BigInt64Array(1)) }, /^No classification outputs found: .*; the model has: ids \(int64\)$/],
    [{ a: f32([1, 1], [1]), b: f32([1, 1], [1]) }, /^The model has several float outputs and none is named 'scores': a \(float\), b \(float\)$/],
    [{ y: f32([2], [1, 2]) }, /^Expected Tensor shape: \[batch_size num_classes\] but got \[2\]$/],
    [{ scores: t('int32', [1, 1], new Int32Array(1)) }, /^Expected scores Tensor of DT_FLOAT\. {2}Got: DT_INT32$/],
    [{ classes: f32([1, 1], [1]) }, /^Expected classes Tensor of DT_STRING\. {2}Got: DT_FLOAT$/],
    [
      { scores: f32([1, 2], [1, 2]), classes: t('string', [1, 3], ['a', 'b', 'c']) },
      /^Tensors class and score should match in dim_size\(1\)\. Got 3 vs\. 2$/,
    ],
    [
      { scores: f32([1, 2], [1, 2]), classes: t('string', [2, 2], ['a', 'b', 'c', 'd']) },
      /^Expected classes output batch size of 1\. {2}Got: 2$/,
    ],
  ])('rejects a model that does not fit: %#', (outputs, message) => {
    expect(failure(() => classify(outputs as Record<string, Tensor>))).toMatch(message);
  });

  it('rejects labels that do not match the score columns', () => {
    expect(failure(() => classify({ y: f32([1, 2], [1, 2]) }, ['a']))).toBe('The model has 1 labels but its output y has 2 scores per example');
  });
});

describe('encodeRegressResponse', () => {
  it('writes one value per example (half_plus_two regress_x_to_y)', () => {
    expect(regress({ y: f32([1], [42]) })).toBe('{"results":[42.0]}');
    expect(regress({ y: f32([3, 1], [0.1, NaN, -1.5]) })).toBe('{"results":[0.1,NaN,-1.5]}');
    expect(regress({ y: t('float64', [1], new Float64Array([1 / 3])) })).toBe('{"results":[0.333333343]}');
  });

  it('picks the output named outputs among several', () => {
    expect(regress({ other: f32([1], [1]), outputs: f32([1], [2]) })).toBe('{"results":[2.0]}');
  });

  it.each([
    [{ a: f32([1], [1]), b: f32([1], [2]) }, "Expected one output Tensor, or one named 'outputs'; the model has: a (float), b (float)"],
    [{ y: t('int64', [1], new BigInt64Array(1)) }, 'Expected output Tensor of DT_FLOAT.  Got: DT_INT64'],
    [{ y: f32([1, 2], [1, 2]) }, 'Expected output Tensor shape to be either [batch_size] or [batch_size, 1] but got [1,2]'],
    [{ y: f32([], [1]) }, 'Expected output Tensor shape to be either [batch_size] or [batch_size, 1] but got []'],
  ])('rejects a model that does not fit: %#', (outputs, message) => {
    expect(failure(() => regress(outputs as Record<string, Tensor>))).toBe(message);
  });
});
