import { describe, expect, it } from 'vitest';
import { DTYPES, dtypeOfOipType, oipTypeName } from '../dtypes.ts';
import type { DType } from '../tensor.ts';
import { encodeInferResponse } from './encode.ts';
import { tensorFromRaw, tensorToRaw } from './raw.ts';
import { readInferBody } from './request.ts';

const utf8 = new TextEncoder();
const bytes = (...parts: (string | number[])[]) => {
  const chunks = parts.map((p) => (typeof p === 'string' ? utf8.encode(p) : Uint8Array.from(p)));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
};

describe('OIP datatypes', () => {
  it('name every dtype once and read back', () => {
    const names = (Object.keys(DTYPES) as DType[]).map(oipTypeName);
    expect(new Set(names).size).toBe(names.length);
    for (const dtype of Object.keys(DTYPES) as DType[]) expect(dtypeOfOipType(oipTypeName(dtype))).toBe(dtype);
    expect([oipTypeName('float16'), oipTypeName('string'), dtypeOfOipType('BF16'), dtypeOfOipType('fp32')]).toEqual(['FP16', 'BYTES', undefined, undefined]);
  });
});

describe('raw tensor bytes', () => {
  it('BYTES: a 4-byte little-endian length before each element, empty elements included', () => {
    const t = { dtype: 'string' as const, dims: [3], data: ['ab', '', 'é'] };
    const raw = tensorToRaw(t);
    expect(Array.from(raw)).toEqual([2, 0, 0, 0, 0x61, 0x62, 0, 0, 0, 0, 2, 0, 0, 0, 0xc3, 0xa9]);
    expect(tensorFromRaw('x', 'string', [3], raw)).toEqual(t);
    expect(() => tensorFromRaw('x', 'string', [2], raw)).toThrow('exactly 2 length-prefixed elements');
    expect(() => tensorFromRaw('x', 'string', [3], raw.subarray(0, 15))).toThrow('exactly 3');
  });

  it('fixed-width: exact length, copied out of the body, BOOL 0 or 1 only', () => {
    const body = new Uint8Array([0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]);
    const t = tensorFromRaw('x', 'float32', [2], body.subarray(0));
    body.fill(0);
    expect(Array.from(t.data as Float32Array)).toEqual([1, 2]);
    expect(() => tensorFromRaw('x', 'float32', [3], new Uint8Array(8))).toThrow('8 bytes of raw data, but shape [3] of float32 needs 12');
    expect(() => tensorFromRaw('b', 'bool', [1], new Uint8Array([2]))).toThrow('BOOL raw data');
  });
});

describe('readInferBody (binary tensor data extension)', () => {
  it('hands the bytes after the JSON to the binary inputs in order', () => {
    const head = '{"inputs":[{"name":"a","shape":[1],"datatype":"UINT8","parameters":{"binary_data_size":1}},{"name":"b","shape":[1],"datatype":"INT8","data":[3]},{"name":"c","shape":[2],"datatype":"UINT8","parameters":{"binary_data_size":2}}]}';
    const req = readInferBody(bytes(head, [7, 8, 9]), utf8.encode(head).byteLength);
    expect(req.inputs.map((i) => [i.name, i.raw ? Array.from(i.raw) : i.data])).toEqual([['a', [7]], ['b', [3]], ['c', [8, 9]]]);
    expect(req.inputs[0].parameters).toEqual({});
  });

  it('refuses bytes nobody claims, a size past the end, data and binary together', () => {
    const one = (extra: string) => `{"inputs":[{"name":"a","shape":[1],"datatype":"UINT8"${extra}}]}`;
    expect(() => readInferBody(bytes(one(',"data":[1]'), [1]), utf8.encode(one(',"data":[1]')).byteLength)).toThrow('claimed by no input');
    const sized = one(',"parameters":{"binary_data_size":2}');
    expect(() => readInferBody(bytes(sized, [1]), utf8.encode(sized).byteLength)).toThrow('runs past the end');
    const both = one(',"data":[1],"parameters":{"binary_data_size":1}');
    expect(() => readInferBody(bytes(both, [1]), utf8.encode(both).byteLength)).toThrow('not both');
    expect(() => readInferBody(bytes(one(''), []), -1)).toThrow('does not fit');
  });
});

describe('encodeInferResponse', () => {
  it('writes JSON data, or binary_data_size with the bytes after the JSON', () => {
    const y = { dtype: 'float32' as const, dims: [1], data: Float32Array.of(0.1) };
    const json = encodeInferResponse({ model: 'm', version: 3, id: 'q' }, [{ name: 'y', tensor: y, binary: false }]);
    expect(new TextDecoder().decode(json.body)).toBe('{"model_name":"m","model_version":"3","id":"q","outputs":[{"name":"y","datatype":"FP32","shape":[1],"data":[0.1]}]}');
    expect(json.headerLength).toBeUndefined();
    const bin = encodeInferResponse({ model: 'm', version: 3 }, [{ name: 'y', tensor: y, binary: true }]);
    const head = '{"model_name":"m","model_version":"3","outputs":[{"name":"y","datatype":"FP32","shape":[1],"parameters":{"binary_data_size":4}}]}';
    expect(bin.headerLength).toBe(head.length);
    expect(Array.from(bin.body)).toEqual(Array.from(bytes(head, Array.from(new Uint8Array(Float32Array.of(0.1).buffer)))));
  });
});
