import { describe, expect, it } from 'vitest';
import { ServingError } from '../errors.ts';
import { readTensorProto } from '../tensor/proto/tensor-proto.ts';
import { WireReader } from '../tensor/proto/wire.ts';
import type { Signature } from '../tensor/tensor.ts';
import { encodeMessage, lookupType } from '../../runtime/node/grpc/proto-root.ts';
import { checkInputDtypes, outputAliases, predictInputs } from './predict-proto.ts';

const TensorProto = lookupType('tensorflow.TensorProto');
const proto = (value: object) => readTensorProto(new WireReader(encodeMessage(TensorProto, value)));
const f32 = (values: number[]) => proto({ dtype: 1, tensor_shape: { dim: [{ size: values.length }] }, float_val: values });

const SIG: Signature = {
  inputs: [
    { name: 'b', dtype: 'float32', dims: [-1] },
    { name: 'a', dtype: 'int64', dims: [-1] },
  ],
  outputs: [
    { name: 'y', dtype: 'float32', dims: [-1] },
    { name: 'x', dtype: 'float32', dims: [-1] },
  ],
};

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ServingError);
    expect((err as ServingError).code).toBe('INVALID_ARGUMENT');
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('predictInputs', () => {
  it("counts inputs first, listing sorted sets as TF's std::set prints them", () => {
    expect(message(() => predictInputs(new Map([['b', f32([1])]]), SIG))).toBe(
      'input size does not match signature: 1!=2 len({b}) != len({a,b}). Sent extra: {}. Missing but required: {a}.',
    );
    expect(message(() => predictInputs(new Map([['c', f32([1])], ['b', f32([1])]]), SIG))).toBe(
      'input tensor alias not found in signature: c. Inputs expected to be in the set {a,b}.',
    );
  });

  it('names the input whose TensorProto does not parse, and a dtype the signature does not take', () => {
    const bad = proto({ dtype: 1, tensor_shape: { dim: [{ size: 3 }] }, tensor_content: new Uint8Array(4) });
    expect(message(() => predictInputs(new Map([['a', f32([1])], ['b', bad]]), SIG))).toBe(
      'tensor parsing error: b (tensor_content has 4 bytes; 3 float values need 12)',
    );
    const complex = proto({ dtype: 8, tensor_shape: { dim: [{ size: 1 }] }, scomplex_val: [1, 2] });
    expect(message(() => predictInputs(new Map([['a', complex], ['b', f32([1])]]), SIG))).toBe('Expects arg[a] to be int64 but complex64 is provided');
    const inputs = predictInputs(new Map([['a', f32([1])], ['b', f32([1])]]), SIG);
    expect(message(() => checkInputDtypes(inputs, SIG))).toBe('Expects arg[a] to be int64 but float is provided');
  });
});

describe('outputAliases', () => {
  it('is every output in signature order for an empty filter, else the filter', () => {
    expect(outputAliases([], SIG)).toEqual(['y', 'x']);
    expect(outputAliases(['x'], SIG)).toEqual(['x']);
  });

  it('refuses unknown and repeated aliases in TF words', () => {
    expect(message(() => outputAliases(['z'], SIG))).toBe('output tensor alias not found in signature: z Outputs expected to be in the set {x,y}.');
    expect(message(() => outputAliases(['x', 'x'], SIG))).toBe('duplicate output tensor alias: x');
  });
});
