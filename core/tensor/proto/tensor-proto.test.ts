import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, lookupType } from '../../../runtime/node/grpc/proto-root.ts';
import { tfDataType } from '../dtypes.ts';
import { MAX_TENSOR_BYTES, TensorProtoError, encodeTensorProto, readTensorProto, tensorFromProto } from './tensor-proto.ts';
import { FIXED32, LENGTH_DELIMITED, VARINT, WireReader, WireWriter } from './wire.ts';
import type { DType, Tensor } from '../tensor.ts';

// The hand codec against protobufjs reflection over proto/tensorflow/core/framework/tensor.proto:
// if a field number drifts, these fail.
const TensorProto = lookupType('tensorflow.TensorProto');

const shape = (dims: number[]) => ({ dim: dims.map((size) => ({ size })) });
const decode = (value: object): Tensor => tensorFromProto(readTensorProto(new WireReader(encodeMessage(TensorProto, value))));
const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();

interface Case {
  dtype: DType;
  field: string;
  /** What protobufjs is given for the typed field. */
  values: unknown[];
  /** What our tensor holds. */
  data: Tensor['data'];
}

const CASES: Case[] = [
  { dtype: 'float32', field: 'float_val', values: [1.5, -0.25, 3.4028234663852886e38], data: new Float32Array([1.5, -0.25, 3.4028234663852886e38]) },
  { dtype: 'float64', field: 'double_val', values: [0.1, -1e300, 1 / 3], data: new Float64Array([0.1, -1e300, 1 / 3]) },
  { dtype: 'int32', field: 'int_val', values: [-2147483648, 0, 2147483647], data: new Int32Array([-2147483648, 0, 2147483647]) },
  { dtype: 'int16', field: 'int_val', values: [-32768, 1, 32767], data: new Int16Array([-32768, 1, 32767]) },
  { dtype: 'int8', field: 'int_val', values: [-128, 0, 127], data: new Int8Array([-128, 0, 127]) },
  { dtype: 'uint8', field: 'int_val', values: [0, 128, 255], data: new Uint8Array([0, 128, 255]) },
  { dtype: 'uint16', field: 'int_val', values: [0, 40000, 65535], data: new Uint16Array([0, 40000, 65535]) },
  { dtype: 'float16', field: 'half_val', values: [0x3800, 0x7bff, 0xbc00], data: new Uint16Array([0x3800, 0x7bff, 0xbc00]) },
  { dtype: 'uint32', field: 'uint32_val', values: [0, 1, 4294967295], data: new Uint32Array([0, 1, 4294967295]) },
  {
    dtype: 'int64',
    field: 'int64_val',
    values: ['-9223372036854775808', '9007199254740993', '9223372036854775807'],
    data: new BigInt64Array([-9223372036854775808n, 9007199254740993n, 9223372036854775807n]),
  },
  { dtype: 'uint64', field: 'uint64_val', values: ['0', '18446744073709551615', '1'], data: new BigUint64Array([0n, 18446744073709551615n, 1n]) },
  { dtype: 'bool', field: 'bool_val', values: [true, false, true], data: new Uint8Array([1, 0, 1]) },
  { dtype: 'string', field: 'string_val', values: ['héllo', '', 'x'].map((s) => new TextEncoder().encode(s)), data: ['héllo', '', 'x'] },
];

describe('TensorProto -> Tensor', () => {
  for (const c of CASES) {
    it(`reads ${c.field} as ${c.dtype}`, () => {
      const t = decode({ dtype: tfDataType(c.dtype), tensor_shape: shape([1, 3]), [c.field]: c.values });
      expect(t).toEqual({ dtype: c.dtype, dims: [1, 3], data: c.data });
    });
    if (c.dtype !== 'string') {
      it(`reads tensor_content as ${c.dtype}`, () => {
        const t = decode({ dtype: tfDataType(c.dtype), tensor_shape: shape([3]), tensor_content: bytesOf(c.data as ArrayBufferView) });
        expect(t).toEqual({ dtype: c.dtype, dims: [3], data: c.data });
      });
    }
  }

  it("reads DT_STRING tensor_content (all varint lengths, then the bytes)", () => {
    const content = new Uint8Array([2, 0, 3, ...new TextEncoder().encode('hiabc')]);
    expect(decode({ dtype: 7, tensor_shape: shape([3]), tensor_content: content }).data).toEqual(['hi', '', 'abc']);
    expect(() => decode({ dtype: 7, tensor_shape: shape([3]), tensor_content: content.subarray(0, 5) })).toThrow(TensorProtoError);
  });

  it('broadcasts like TF: one value fills the shape, fewer repeat the last, none are zeros, extras are dropped', () => {
    expect(decode({ dtype: 1, tensor_shape: shape([2, 2]), float_val: [7] }).data).toEqual(new Float32Array([7, 7, 7, 7]));
    expect(decode({ dtype: 3, tensor_shape: shape([4]), int_val: [1, 2] }).data).toEqual(new Int32Array([1, 2, 2, 2]));
    expect(decode({ dtype: 9, tensor_shape: shape([2]), int64_val: ['9007199254740993'] }).data).toEqual(new BigInt64Array([9007199254740993n, 9007199254740993n]));
    expect(decode({ dtype: 7, tensor_shape: shape([3]), string_val: [new TextEncoder().encode('a')] }).data).toEqual(['a', 'a', 'a']);
    expect(decode({ dtype: 1, tensor_shape: shape([3]) }).data).toEqual(new Float32Array(3));
    expect(decode({ dtype: 7, tensor_shape: shape([2]) }).data).toEqual(['', '']);
    expect(decode({ dtype: 1, tensor_shape: shape([2]), float_val: [1, 2, 3] }).data).toEqual(new Float32Array([1, 2]));
  });

  it('reads scalars and empty tensors', () => {
    expect(decode({ dtype: 1, tensor_shape: {}, float_val: [2.5] })).toEqual({ dtype: 'float32', dims: [], data: new Float32Array([2.5]) });
    expect(decode({ dtype: 1, tensor_shape: shape([0, 3]) })).toEqual({ dtype: 'float32', dims: [0, 3], data: new Float32Array(0) });
  });

  it('reads unpacked repeated values too', () => {
    const w = new WireWriter(22);
    w.tag(1, VARINT); // dtype DT_FLOAT
    w.uint32(1);
    w.tag(2, LENGTH_DELIMITED); // tensor_shape { dim { size: 2 } }
    w.uint32(4);
    w.tag(2, LENGTH_DELIMITED);
    w.uint32(2);
    w.tag(1, VARINT);
    w.uint32(2);
    w.tag(5, FIXED32); // float_val, unpacked
    w.float(1.5);
    w.tag(5, FIXED32);
    w.float(-2);
    w.tag(7, VARINT); // an int_val: ignored for DT_FLOAT
    w.uint32(9);
    w.tag(3, VARINT); // version_number: ignored
    w.uint32(0);
    const t = tensorFromProto(readTensorProto(new WireReader(w.finish())));
    expect(t).toEqual({ dtype: 'float32', dims: [2], data: new Float32Array([1.5, -2]) });
  });

  it('gives a view of the request bytes for aligned tensor_content and packed floats', () => {
    const data = new Float32Array(1000).map((_, i) => i / 7);
    for (const value of [{ tensor_content: bytesOf(data) }, { float_val: Array.from(data) }]) {
      const bytes = encodeMessage(TensorProto, { dtype: 1, tensor_shape: shape([1000]), ...value });
      const t = tensorFromProto(readTensorProto(new WireReader(bytes)));
      expect(t.data).toEqual(data);
      if ((t.data as Float32Array).buffer === bytes.buffer) expect((t.data as Float32Array).byteOffset % 4).toBe(0);
    }
  });

  it("fails where TF's FromProto fails, saying why", () => {
    const fail = (value: object) => {
      try {
        decode(value);
      } catch (err) {
        expect(err).toBeInstanceOf(TensorProtoError);
        return (err as Error).message;
      }
      throw new Error('expected a TensorProtoError');
    };
    expect(fail({ tensor_shape: shape([1]), float_val: [1] })).toBe('dtype is not set');
    expect(fail({ dtype: 1, tensor_shape: { unknown_rank: true } })).toBe('tensor_shape has unknown rank');
    expect(fail({ dtype: 1, tensor_shape: shape([-1, 2]) })).toContain('negative dimension');
    expect(fail({ dtype: 1, tensor_shape: shape([2]), tensor_content: new Uint8Array(7) })).toBe('tensor_content has 7 bytes; 2 float values need 8');
    expect(fail({ dtype: 1, tensor_shape: shape([MAX_TENSOR_BYTES, 2]), float_val: [1] })).toContain('larger than');
    expect(fail({ dtype: 99, tensor_shape: shape([1]) })).toBe('unknown dtype 99');
    let err: TensorProtoError | undefined;
    try {
      decode({ dtype: 8, tensor_shape: shape([1]), scomplex_val: [1, 2] });
    } catch (e) {
      err = e as TensorProtoError;
    }
    expect(err?.dtypeName).toBe('complex64');
  });

  it('rejects truncated bytes', () => {
    const bytes = encodeMessage(TensorProto, { dtype: 1, tensor_shape: shape([4]), float_val: [1, 2, 3, 4] });
    expect(() => readTensorProto(new WireReader(bytes.subarray(0, bytes.length - 3)))).toThrow('truncated');
  });
});

describe('Tensor -> TensorProto', () => {
  for (const c of CASES) {
    it(`writes ${c.dtype} as ${c.field}, which protobufjs reads back`, () => {
      const t: Tensor = { dtype: c.dtype, dims: [3, 1], data: c.data };
      const { size, write } = encodeTensorProto(t);
      const w = new WireWriter(size);
      write(w);
      const bytes = w.finish();
      const obj = decodeMessage<Record<string, unknown>>(TensorProto, bytes);
      expect(obj.dtype).toBe(tfDataType(c.dtype));
      expect(obj.tensor_shape).toEqual({ dim: [{ size: 3n }, { size: 1n }] });
      expect(obj.tensor_content).toBeUndefined();
      const expected = c.values.map((v) => (typeof v === 'string' ? BigInt(v) : v));
      expect(obj[c.field]).toEqual(c.dtype === 'float32' ? expected.map((v) => Math.fround(v as number)) : expected);
      expect(tensorFromProto(readTensorProto(new WireReader(bytes)))).toEqual(t);
    });
  }

  it('writes tensor_content for fixed-width dtypes when asked; strings keep string_val', () => {
    const f = { dtype: 'float32' as const, dims: [2], data: new Float32Array([1, 2]) };
    const enc = encodeTensorProto(f, { asContent: true });
    const w = new WireWriter(enc.size);
    enc.write(w);
    const obj = decodeMessage<{ tensor_content: Uint8Array; float_val?: number[] }>(TensorProto, w.finish());
    expect(new Float32Array(new Uint8Array(obj.tensor_content).buffer)).toEqual(f.data);
    expect(obj.float_val).toBeUndefined();
    const s = encodeTensorProto({ dtype: 'string', dims: [1], data: ['a'] }, { asContent: true });
    const ws = new WireWriter(s.size);
    s.write(ws);
    expect(decodeMessage<{ string_val: Uint8Array[] }>(TensorProto, ws.finish()).string_val).toEqual([new TextEncoder().encode('a')]);
  });

  it('writes zero dims and empty tensors', () => {
    const enc = encodeTensorProto({ dtype: 'int64', dims: [0, 2], data: new BigInt64Array(0) });
    const w = new WireWriter(enc.size);
    enc.write(w);
    const obj = decodeMessage<Record<string, unknown>>(TensorProto, w.finish());
    expect(obj).toEqual({ dtype: 9, tensor_shape: { dim: [{}, { size: 2n }] } });
  });
});
