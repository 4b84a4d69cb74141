import { describe, expect, it } from 'vitest';
import { ServingError } from '../../errors.ts';
import { encodeJsonPredictResponse as encodeBytes } from './encode.ts';
import { parseJson } from './parse.ts';
import type { DType, Tensor, TensorData } from '../tensor.ts';
import { thrown } from '../../../test/support/thrown.ts';

const encodeJsonPredictResponse = (...args: Parameters<typeof encodeBytes>) => new TextDecoder().decode(encodeBytes(...args));

const t = (dtype: DType, dims: number[], data: TensorData): Tensor => ({ dtype, dims, data });
const f32 = (dims: number[], values: number[]) => t('float32', dims, new Float32Array(values));

const failure = (run: () => unknown): ServingError => thrown(run, ServingError);

describe('encodeJsonPredictResponse: one output', () => {
  const y = f32([2, 2], [2.5, 3, 3.5, 4]);

  it('writes rows as predictions (half_plus_two)', () => {
    expect(encodeJsonPredictResponse('row', { y }, ['y'])).toBe('{"predictions":[[2.5,3.0],[3.5,4.0]]}');
  });

  it('writes the whole tensor as outputs', () => {
    expect(encodeJsonPredictResponse('columnar', { y: f32([2], [3.5, 4]) }, ['y'])).toBe('{"outputs":[3.5,4.0]}');
    expect(encodeJsonPredictResponse('columnar', { y }, ['y'])).toBe('{"outputs":[[2.5,3.0],[3.5,4.0]]}');
  });

  it('writes a rank-0 output as a bare value', () => {
    expect(encodeJsonPredictResponse('columnar', { y: f32([], [3.5]) }, ['y'])).toBe('{"outputs":3.5}');
  });

  it('writes rank-1 rows as scalars and a zero batch as []', () => {
    expect(encodeJsonPredictResponse('row', { y: f32([3], [1, 2, 3]) }, ['y'])).toBe('{"predictions":[1.0,2.0,3.0]}');
    expect(encodeJsonPredictResponse('row', { y: f32([0, 4], []) }, ['y'])).toBe('{"predictions":[]}');
  });

  it('writes empty inner dimensions as empty lists', () => {
    expect(encodeJsonPredictResponse('columnar', { y: f32([2, 0, 3], []) }, ['y'])).toBe('{"outputs":[[],[]]}');
  });
});

describe('encodeJsonPredictResponse: several outputs', () => {
  const outputs = {
    a: f32([2], [1, 2]),
    b: t('string', [2, 1], ['x', 'y']),
  };

  it('writes one object per row', () => {
    expect(encodeJsonPredictResponse('row', outputs, ['a', 'b'])).toBe('{"predictions":[{"a":1.0,"b":["x"]},{"a":2.0,"b":["y"]}]}');
  });

  it('writes an object of tensors, with no batch agreement needed', () => {
    const mixed = { ...outputs, c: t('int32', [], new Int32Array([7])) };
    expect(encodeJsonPredictResponse('columnar', mixed, ['a', 'b', 'c'])).toBe(
      '{"outputs":{"a":[1.0,2.0],"b":[["x"],["y"]],"c":7}}',
    );
  });

  it('requires rank >= 1 and one batch size in row format', () => {
    const scalar = failure(() => encodeJsonPredictResponse('row', { ...outputs, c: f32([], [1]) }, ['a', 'b', 'c']));
    expect(scalar.code).toBe('INVALID_ARGUMENT');
    expect(scalar.message).toBe('Tensor name: c has no shape information ');
    const batch = failure(() => encodeJsonPredictResponse('row', { ...outputs, c: f32([3], [1, 2, 3]) }, ['a', 'b', 'c']));
    expect(batch.code).toBe('INVALID_ARGUMENT');
    expect(batch.message).toBe('Tensor name: c has inconsistent batch size: 3 expecting: 2');
    expect(failure(() => encodeJsonPredictResponse('row', { y: f32([], [1]) }, ['y'])).message).toBe(
      'Tensor name: y has no shape information ',
    );
  });

  it('treats a missing or inconsistent output tensor as an internal error', () => {
    expect(failure(() => encodeJsonPredictResponse('row', outputs, ['a', 'zz']))).toMatchObject({ code: 'INTERNAL', message: 'The model returned no output named zz' });
    expect(failure(() => encodeJsonPredictResponse('row', { a: f32([3, 2], [1]) }, ['a']))).toMatchObject({ code: 'INTERNAL', message: 'Output a has 1 values for shape [3,2]' });
  });

  it('holds a zero batch to every output: one of 0 rows and one of 3 disagree', () => {
    const mixed = failure(() => encodeJsonPredictResponse('row', { a: f32([0, 2], []), b: f32([3], [1, 2, 3]) }, ['a', 'b']));
    expect(mixed.message).toBe('Tensor name: b has inconsistent batch size: 3 expecting: 0');
  });
});

describe('encodeJsonPredictResponse: values', () => {
  const one = (tensor: Tensor, name = 'y') => encodeJsonPredictResponse('columnar', { [name]: tensor }, [name]);

  it('formats floats per TF Serving, with bare NaN / Infinity', () => {
    expect(one(f32([6], [0.1, Math.PI, 9e6, NaN, Infinity, -Infinity]))).toBe(
      '{"outputs":[0.1,3.14159274,9e+06,NaN,Infinity,-Infinity]}',
    );
    expect(one(t('float64', [2], new Float64Array([0.1, 1 / 3])))).toBe('{"outputs":[0.1,0.33333333333333331]}');
    expect(one(t('float16', [3], new Uint16Array([0x3c00, 0x2e66, 0x7e00])))).toBe('{"outputs":[1.0,0.0999755859,NaN]}');
  });

  it('writes 64-bit integers exactly', () => {
    const int64 = new BigInt64Array([9223372036854775807n, -9223372036854775808n]);
    expect(one(t('int64', [2], int64))).toBe('{"outputs":[9223372036854775807,-9223372036854775808]}');
    expect(one(t('uint64', [1], new BigUint64Array([18446744073709551615n])))).toBe('{"outputs":[18446744073709551615]}');
    expect(one(t('uint32', [1], new Uint32Array([4294967295])))).toBe('{"outputs":[4294967295]}');
    expect(one(t('int8', [2], new Int8Array([-128, 5])))).toBe('{"outputs":[-128,5]}');
  });

  it('round-trips int64 extremes through the parser', () => {
    const text = one(t('int64', [2], new BigInt64Array([9223372036854775807n, -9223372036854775808n])));
    expect((parseJson(text) as Map<string, unknown>).get('outputs')).toEqual([9223372036854775807n, -9223372036854775808n]);
  });

  it('writes bools and escaped strings', () => {
    expect(one(t('bool', [2], new Uint8Array([1, 0])))).toBe('{"outputs":[true,false]}');
    expect(one(t('string', [2], ['a"b\\c\n\u0001', 'é😀']))).toBe('{"outputs":["a\\"b\\\\c\\n\\u0001","é😀"]}');
  });

  it('writes strings of outputs named *_bytes as base64 objects of their UTF-8 bytes', () => {
    expect(one(t('string', [2], ['hello', 'é']), 'image_bytes')).toBe('{"outputs":[{"b64":"aGVsbG8="},{"b64":"w6k="}]}');
    expect(encodeJsonPredictResponse('row', { out_bytes: t('string', [1], ['hi']), n: f32([1], [1]) }, ['out_bytes', 'n'])).toBe(
      '{"predictions":[{"out_bytes":{"b64":"aGk="},"n":1.0}]}',
    );
  });

  it('escapes output names', () => {
    expect(encodeJsonPredictResponse('columnar', { 'a"b': f32([], [1]), c: f32([], [2]) }, ['a"b', 'c'])).toBe(
      '{"outputs":{"a\\"b":1.0,"c":2.0}}',
    );
  });
});

describe('encodeJsonPredictResponse: bytes', () => {
  it('writes UTF-8 and grows its buffer past 64 KiB without losing what came before', () => {
    const s: Tensor = { dtype: 'string', dims: [2], data: ['é€', '😀"'] };
    expect(encodeJsonPredictResponse('columnar', { s }, ['s'])).toBe('{"outputs":["é€","😀\\""]}');
    const big = f32([20000], Array.from({ length: 20000 }, (_, i) => i + 0.5));
    const text = encodeJsonPredictResponse('columnar', { y: big }, ['y']);
    expect(text.length).toBeGreaterThan(64 * 1024);
    expect(JSON.parse(text).outputs[19999]).toBe(19999.5);
    expect(text.startsWith('{"outputs":[0.5,1.5,')).toBe(true);
  });
});
