import { describe, expect, it } from 'vitest';
import { examplesToInputs, readExamplesBody, type Features } from './decode.ts';
import { parseJson } from '../json/parse.ts';
import type { DType, TensorSpec } from '../tensor.ts';
import { servingErrorMessage } from '../../../test/support/thrown.ts';

const read = (text: string, method: 'classify' | 'regress' = 'classify') => readExamplesBody(parseJson(text), method);

const failure = (run: () => unknown): string => servingErrorMessage(run);

describe('readExamplesBody', () => {
  it('maps JSON elements to tf.Example feature kinds', () => {
    const body = read(
      '{"examples": [{"f": 2.0, "g": [0.1, NaN], "i": 3, "b": [true, false], "s": "a", "d": {"b64": "aGk="}, "e": [], "big": -9223372036854775809}]}',
    );
    expect(body.signatureName).toBe('serving_default');
    expect(body.examples).toEqual([
      new Map<string, unknown>([
        ['f', { kind: 'float', values: [2] }],
        ['g', { kind: 'float', values: [Math.fround(0.1), NaN] }],
        ['i', { kind: 'int64', values: [3n] }],
        ['b', { kind: 'int64', values: [1n, 0n] }],
        ['s', { kind: 'bytes', values: ['a'] }],
        ['d', { kind: 'bytes', values: ['hi'] }],
        ['e', { kind: 'none', values: [] }],
        ['big', { kind: 'float', values: [-9223372036854775808] }], // beyond int64: a double in rapidjson
      ]),
    ]);
  });

  it('merges context into every example; the example wins', () => {
    const body = read('{"signature_name": "s", "context": {"a": 1, "c": 2.5}, "examples": [{"a": 5}, {"b": "x"}]}', 'regress');
    expect(body.signatureName).toBe('s');
    expect(body.examples[0]).toEqual(
      new Map([
        ['a', { kind: 'int64', values: [5n] }],
        ['c', { kind: 'float', values: [2.5] }],
      ]),
    );
    expect(body.examples[1].get('a')).toEqual({ kind: 'int64', values: [1n] });
    expect(body.examples[1].get('b')).toEqual({ kind: 'bytes', values: ['x'] });
  });

  it.each([
    ['[1]', 'JSON Value: [1] Is not object'],
    ['{"signature_name": 2, "examples": [{}]}', 'JSON Value: {"signature_name":2,"examples":[{}]} not formatted correctly. \'signature_name\' key must be a string value.'],
    ['{"context": {}}', 'JSON Value: {"context":{}} When method is classify, key \'examples\' is expected and was not found'],
    ['{"context": 1}', 'Example must be JSON object but got JSON Number'],
    ['{"examples": {}}', 'JSON Value: {"examples":{}} Expecting \'examples\' value to be an list/array'],
    ['{"examples": []}', 'JSON Value: {"examples":[]} \'examples\' value is an empty array'],
    ['{"examples": [{}, [1]]}', 'Example must be JSON object but got JSON Array'],
    ['{"examples": [{"x": 18446744073709551615}]}', 'Feature: x has uint64_t element. Only int64_t is supported.'],
    ['{"examples": [{"x": null}]}', 'Feature: x has element with unexpected JSON type: Null'],
    ['{"examples": [{"x": [1, [2]]}]}', 'Feature: x has element with unexpected JSON type: Array'],
    ['{"examples": [{"x": {"a": 1}}]}', 'Feature: x has element with unexpected JSON type: Object'],
    ['{"examples": [{"x": [1.5, 2]}]}', 'Unexpected element type in feature: x expecting type: float'],
    ['{"examples": [{"x": ["a", true]}]}', 'Unexpected element type in feature: x expecting type: bytes'],
    ['{"examples": [{"x": [1, {"b64": "!"}]}]}', 'Unexpected element type in feature: x expecting type: int64'],
    ['{"examples": [{"x": {"b64": "!"}}]}', 'Unable to base64 decode'],
  ])('%s', (text, message) => {
    expect(failure(() => read(text))).toBe(message);
  });

  it('words the missing-examples error the same for regress', () => {
    expect(failure(() => read('{}', 'regress'))).toBe("JSON Value: {} When method is classify, key 'examples' is expected and was not found");
  });
});

describe('examplesToInputs', () => {
  const spec = (name: string, dtype: DType, dims: number[] | null): TensorSpec => ({ name, dtype, dims });
  const features = (text: string): Features[] => read(`{"examples": ${text}}`).examples;
  const inputs = (text: string, ...specs: TensorSpec[]) => examplesToInputs(features(text), { inputs: specs, outputs: [] });
  const inputsError = (text: string, ...specs: TensorSpec[]) => failure(() => inputs(text, ...specs));

  it('fills one row per example', () => {
    expect(inputs('[{"x": 20.0}, {"x": 3}]', spec('x', 'float32', [-1])).x).toEqual({
      dtype: 'float32',
      dims: [2],
      data: new Float32Array([20, 3]),
    });
    const out = inputs('[{"a": [1, 2, 3], "b": "p"}, {"a": [4, 5, 6], "b": "q"}]', spec('a', 'int64', [-1, 3]), spec('b', 'string', [-1, 1]));
    expect(out.a).toEqual({ dtype: 'int64', dims: [2, 3], data: new BigInt64Array([1n, 2n, 3n, 4n, 5n, 6n]) });
    expect(out.b).toEqual({ dtype: 'string', dims: [2, 1], data: ['p', 'q'] });
  });

  it('uses fixed non-batch dims as the row shape', () => {
    expect(inputs('[{"x": [1, 2, 3, 4]}]', spec('x', 'float64', [1, 2, 2])).x.dims).toEqual([1, 2, 2]);
    expect(inputsError('[{"x": [1, 2, 3]}]', spec('x', 'float32', [-1, 2, 2]))).toBe(
      'Feature: x has 3 values in example 0; input x of shape [-1,2,2] takes 4 per example',
    );
  });

  it('makes 1-D rows of the feature length when a non-batch dim is dynamic or the rank unknown', () => {
    expect(inputs('[{"x": [1, 2]}, {"x": [3, 4]}]', spec('x', 'float32', [-1, -1, 3])).x.dims).toEqual([2, 2]);
    expect(inputs('[{"x": [1, 2, 3]}]', spec('x', 'int32', null)).x).toEqual({ dtype: 'int32', dims: [1, 3], data: new Int32Array([1, 2, 3]) });
    expect(inputsError('[{"x": [1, 2]}, {"x": [3]}]', spec('x', 'float32', null))).toBe(
      'Feature: x has 1 values in example 1 but 2 in example 0',
    );
  });

  it('converts values to the input dtype', () => {
    expect(inputs('[{"x": [1, 2]}]', spec('x', 'float16', [-1, 2])).x.data).toEqual(new Uint16Array([0x3c00, 0x4000]));
    expect(inputs('[{"x": [1.0, 0.5]}]', spec('x', 'float16', [-1, 2])).x.data).toEqual(new Uint16Array([0x3c00, 0x3800]));
    expect(inputs('[{"x": [true, 0]}]', spec('x', 'bool', [-1, 2])).x.data).toEqual(new Uint8Array([1, 0]));
    expect(inputs('[{"x": [-128, 127]}]', spec('x', 'int8', [-1, 2])).x.data).toEqual(new Int8Array([-128, 127]));
    expect(inputs('[{"x": 9223372036854775807}]', spec('x', 'int64', [-1])).x.data).toEqual(new BigInt64Array([9223372036854775807n]));
    expect(inputs('[{"x": []}]', spec('x', 'float32', [-1, 0])).x.dims).toEqual([1, 0]);
  });

  it.each([
    ['[{"x": 1.5}]', 'int32', 'Feature: x has float values, but input x has type int32, which takes int64 values'],
    ['[{"x": "a"}]', 'float32', 'Feature: x has bytes values, but input x has type float, which takes float or int64 values'],
    ['[{"x": 1}]', 'string', 'Feature: x has int64 values, but input x has type string, which takes bytes values'],
    ['[{"x": 300}]', 'uint8', 'Feature: x value 300 is out of range for input x of type uint8'],
    ['[{"x": 2}]', 'bool', 'Feature: x value 2 is out of range for input x of type bool'],
    ['[{"x": -1}]', 'uint64', 'Feature: x value -1 is out of range for input x of type uint64'],
  ])('%s into %s', (text, dtype, message) => {
    expect(inputsError(text, spec('x', dtype as DType, [-1]))).toBe(message);
  });

  it('requires features and inputs to match by name', () => {
    const two = [spec('a', 'float32', [-1]), spec('b', 'float32', [-1])];
    expect(inputsError('[{"a": 1.0, "b": 1.0, "c": 1.0}]', ...two)).toBe('Feature: c of example 0 is not an input of the model; inputs are: a, b');
    expect(inputsError('[{"a": 1.0, "b": 1.0}, {"a": 2.0}]', ...two)).toBe('Example 1 has no feature: b; every model input must be given');
    expect(inputsError('[{"s": 1.0}]', spec('s', 'float32', []))).toBe('Input s is a scalar (rank 0), so it cannot take one value per example');
  });
});
