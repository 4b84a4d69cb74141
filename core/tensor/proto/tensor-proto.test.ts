import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, lookupType } from '../../../runtime/node/grpc/proto-root.ts';
import { tfDataType } from '../dtypes.ts';
import { MAX_TENSOR_BYTES, TensorProtoError, encodeTensorProto, readTensorProto, tensorFromProto } from './tensor-proto.ts';
import { FIXED32, FIXED64, LENGTH_DELIMITED, VARINT, WireError, WireReader, WireWriter } from './wire.ts';
import { floats32, lenField, tag, tensorProto, text, varintField } from '../../../test/fuzz/proto-bytes.ts';
import { thrown } from '../../../test/support/thrown.ts';
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

// Bytes no protobuf library writes on purpose (wrong wire types, unpacked runs, cut values), by hand.
const read = (bytes: number[]) => readTensorProto(new WireReader(Uint8Array.from(bytes)));
const fromBytes = (bytes: number[]) => tensorFromProto(read(bytes));
const wireErrorIn = (bytes: number[]) => thrown(() => read(bytes), WireError).message;
const protoError = (run: () => unknown) => thrown(run, TensorProtoError).message;
const doubles = (values: number[]) => [...new Uint8Array(Float64Array.from(values).buffer)];
const fixed64Field = (field: number, value: number) => [...tag(field, FIXED64), ...doubles([value])];
const fixed32Field = (field: number, value: number) => [...tag(field, FIXED32), ...floats32([value])];
const DT = { float: 1, double: 2, int32: 3, string: 7, complex64: 8, int64: 9, bool: 10 };

describe('TensorProto wire details', () => {
  it.each([
    ['dtype', [...tag(1, VARINT), 0x80]],
    ['tensor_shape', [...tag(2, LENGTH_DELIMITED), 5, 0]],
    ['tensor_content', [...tag(4, LENGTH_DELIMITED), 3, 0]],
    ['float_val', [...tag(5, LENGTH_DELIMITED), 9]],
    ['double_val', [...tag(6, LENGTH_DELIMITED), 9]],
    ['int_val', [...tag(7, LENGTH_DELIMITED), 9]],
    ['string_val', [...tag(8, LENGTH_DELIMITED), 9]],
    ['scomplex_val', [...tag(9, LENGTH_DELIMITED), 9]],
    ['int64_val', [...tag(10, LENGTH_DELIMITED), 9]],
    ['bool_val', [...tag(11, LENGTH_DELIMITED), 9]],
    ['dcomplex_val', [...tag(12, LENGTH_DELIMITED), 9]],
    ['half_val', [...tag(13, LENGTH_DELIMITED), 9]],
    ['uint32_val', [...tag(16, LENGTH_DELIMITED), 9]],
    ['uint64_val', [...tag(17, LENGTH_DELIMITED), 9]],
    ['field 20', [...tag(20, LENGTH_DELIMITED), 9]],
  ])('names %s in a wire error inside it', (name, bytes) => {
    expect(wireErrorIn(bytes)).toBe(`${name}: truncated message`);
  });

  // protobuf treats a known field number with an unexpected wire type as an unknown field.
  it.each([
    ['dtype as bytes', DT.float, lenField(1, [5]), lenField(5, floats32([1, 2])), new Float32Array([1, 2])],
    ['tensor_shape as a varint', DT.float, varintField(2, 3), lenField(5, floats32([1, 2])), new Float32Array([1, 2])],
    ['tensor_content as a varint', DT.float, varintField(4, 2), lenField(5, floats32([1, 2])), new Float32Array([1, 2])],
    ['float_val as fixed64', DT.float, fixed64Field(5, 3), lenField(5, floats32([1, 2])), new Float32Array([1, 2])],
    ['double_val as fixed32', DT.double, fixed32Field(6, 3), lenField(6, doubles([1, 2])), new Float64Array([1, 2])],
    ['int_val as fixed32', DT.int32, fixed32Field(7, 3), lenField(7, [1, 2]), new Int32Array([1, 2])],
    ['int_val as fixed64', DT.int32, fixed64Field(7, 3), lenField(7, [1, 2]), new Int32Array([1, 2])],
    ['float_val as a varint', DT.float, varintField(5, 3), lenField(5, floats32([1, 2])), new Float32Array([1, 2])],
    ['double_val as a varint', DT.double, varintField(6, 3), lenField(6, doubles([1, 2])), new Float64Array([1, 2])],
  ])('skips %s', (_, dtype, junk, values, data) => {
    expect(fromBytes(tensorProto(dtype, [2], [...junk, ...values])).data).toEqual(data);
  });

  // Each payload ends in a byte with the high bit set, which a packed varint run may not.
  it.each([
    ['version_number sent as bytes', 3],
    ['resource_handle_val', 14],
    ['variant_val', 15],
    ['an unknown field', 18],
    ['an unknown field', 1000],
  ])('skips %s (field %d), whatever it holds', (_, field) => {
    const bytes = tensorProto(DT.int32, [2], [...lenField(field, text('/device:CPU:0 é')), ...lenField(7, [1, 2])]);
    expect(fromBytes(bytes).data).toEqual(new Int32Array([1, 2]));
  });

  it('reads string_val, float_val and double_val whose last byte has the high bit set', () => {
    expect(fromBytes(tensorProto(DT.string, [1], lenField(8, text('é')))).data).toEqual(['é']);
    expect(fromBytes(tensorProto(DT.float, [1], lenField(5, floats32([-1])))).data).toEqual(new Float32Array([-1]));
    expect(fromBytes(tensorProto(DT.double, [1], lenField(6, doubles([-1])))).data).toEqual(new Float64Array([-1]));
  });

  it.each([
    ['int_val', DT.int32, 7, [-5, 300], new Int32Array([-5, 300])],
    ['int64_val', DT.int64, 10, [-5n, 9007199254740993n], new BigInt64Array([-5n, 9007199254740993n])],
    ['bool_val', DT.bool, 11, [1, 0], new Uint8Array([1, 0])],
    ['half_val', 19, 13, [0x3c00, 0xbc00], new Uint16Array([0x3c00, 0xbc00])],
    ['uint32_val', 22, 16, [4294967295, 1], new Uint32Array([4294967295, 1])],
    ['uint64_val', 23, 17, [18446744073709551615n, 1n], new BigUint64Array([18446744073709551615n, 1n])],
  ] as const)('reads unpacked %s', (_, dtype, field, values, data) => {
    const bytes = tensorProto(dtype, [2], values.flatMap((v) => varintField(field, v)));
    expect(fromBytes(bytes).data).toEqual(data);
  });

  it('reads unpacked double_val', () => {
    expect(fromBytes(tensorProto(DT.double, [2], [...fixed64Field(6, 0.1), ...fixed64Field(6, -3)])).data).toEqual(new Float64Array([0.1, -3]));
  });

  it('reads packed and unpacked runs of one field in wire order, then repeats the last value to fill the shape', () => {
    const floats = tensorProto(DT.float, [6], [...lenField(5, floats32([1, 2])), ...lenField(5, floats32([3])), ...fixed32Field(5, 4)]);
    expect(fromBytes(floats).data).toEqual(new Float32Array([1, 2, 3, 4, 4, 4]));
    const ds = tensorProto(DT.double, [4], [...fixed64Field(6, 1), ...lenField(6, doubles([2, 3]))]);
    expect(fromBytes(ds).data).toEqual(new Float64Array([1, 2, 3, 3]));
    const ints = tensorProto(DT.int32, [4], [...lenField(7, [1, 2]), ...varintField(7, 3)]);
    expect(fromBytes(ints).data).toEqual(new Int32Array([1, 2, 3, 3]));
  });

  it('refuses packed float_val or double_val whose length is not a whole number of values', () => {
    expect(protoError(() => fromBytes(tensorProto(DT.float, [2], lenField(5, [0, 0, 0x80, 0x3f, 0, 0]))))).toBe('packed float values are truncated');
    expect(protoError(() => fromBytes(tensorProto(DT.float, [2], [...lenField(5, floats32([1])), ...lenField(5, [0, 0, 0x80])])))).toBe(
      'packed float values are truncated',
    );
    expect(protoError(() => fromBytes(tensorProto(DT.double, [2], [...fixed64Field(6, 1), ...lenField(6, [0, 0, 0, 0])])))).toBe(
      'packed double values are truncated',
    );
  });

  it('reads any nonzero bool, in bool_val or tensor_content, as true', () => {
    expect(fromBytes(tensorProto(DT.bool, [4], lenField(11, [0, 1, 5, 0x80, 0x01]))).data).toEqual(new Uint8Array([0, 1, 1, 1]));
    expect(fromBytes(tensorProto(DT.bool, [4], lenField(4, [0, 1, 2, 255]))).data).toEqual(new Uint8Array([0, 1, 1, 1]));
  });

  it('drops string_val values past the shape', () => {
    expect(fromBytes(tensorProto(DT.string, [2], [...lenField(8, text('a')), ...lenField(8, text('b')), ...lenField(8, text('c'))])).data).toEqual(['a', 'b']);
  });

  it('falls back to the typed field when tensor_content is present but empty', () => {
    expect(fromBytes(tensorProto(DT.float, [2], [...lenField(4, []), ...lenField(5, floats32([1, 2]))])).data).toEqual(new Float32Array([1, 2]));
  });

  it('ignores tensor_content when the shape holds no elements, as TF does', () => {
    expect(fromBytes(tensorProto(DT.float, [0, 3], lenField(4, floats32([1]))))).toEqual({ dtype: 'float32', dims: [0, 3], data: new Float32Array(0) });
  });

  it('reads dims with names, and skips unknown fields of the shape and its dims', () => {
    const dim = (size: number, name: string) => lenField(2, [...varintField(1, size), ...lenField(2, text(name)), ...varintField(9, 1)]);
    const shapeBytes = [...dim(2, 'batch'), ...varintField(3, 0), ...varintField(5, 1), ...dim(3, 'é')];
    const t = fromBytes([...varintField(1, DT.float), ...lenField(2, shapeBytes), ...lenField(5, floats32([1]))]);
    expect(t.dims).toEqual([2, 3]);
  });

  it('gives a view of the request bytes for aligned packed float_val and tensor_content, a copy otherwise', () => {
    for (const field of [4, 5]) {
      const bytes = tensorProto(DT.float, [2], lenField(field, floats32([1.5, -2])));
      const valuesAt = bytes.length - 8;
      for (const pad of [0, 1, 2, 3]) {
        const buf = new ArrayBuffer(pad + bytes.length);
        const request = new Uint8Array(buf, pad, bytes.length);
        request.set(bytes);
        const data = tensorFromProto(readTensorProto(new WireReader(request))).data as Float32Array;
        expect(data).toEqual(new Float32Array([1.5, -2]));
        const aligned = (pad + valuesAt) % 4 === 0;
        expect({ field, pad, view: data.buffer === buf }).toEqual({ field, pad, view: aligned });
        if (aligned) expect(data.byteOffset).toBe(pad + valuesAt);
      }
    }
  });

  it('refuses DT_STRING tensor_content that is cut short or has trailing bytes', () => {
    const content = [2, 0, 3, ...text('hiabc')];
    expect(fromBytes(tensorProto(DT.string, [3], lenField(4, content))).data).toEqual(['hi', '', 'abc']);
    expect(protoError(() => fromBytes(tensorProto(DT.string, [3], lenField(4, content.slice(0, 7)))))).toBe('tensor_content does not hold 3 strings');
    expect(protoError(() => fromBytes(tensorProto(DT.string, [3], lenField(4, [...content, 0]))))).toBe('tensor_content does not hold 3 strings');
    expect(protoError(() => fromBytes(tensorProto(DT.string, [3], lenField(4, [2, 0]))))).toBe('tensor_content does not hold 3 strings');
  });

  it('says which dtype is unsupported', () => {
    expect(protoError(() => fromBytes(tensorProto(DT.complex64, [1], lenField(9, floats32([1, 2])))))).toBe('complex64 is not supported');
  });

  it('takes up to 254 dimensions', () => {
    expect(fromBytes(tensorProto(DT.float, Array(254).fill(1), lenField(5, floats32([2])))).data).toEqual(new Float32Array([2]));
    expect(protoError(() => fromBytes(tensorProto(DT.float, Array(255).fill(1))))).toBe('tensor_shape has more than 254 dimensions');
  });

  it('names the shape in shape errors', () => {
    expect(protoError(() => fromBytes(tensorProto(DT.float, [-1, 2])))).toBe('tensor_shape [-1,2] has a negative dimension');
    expect(protoError(() => fromBytes(tensorProto(DT.float, [2 ** 15, 2 ** 14])))).toBe(`tensor_shape [32768,16384] is larger than ${MAX_TENSOR_BYTES} bytes`);
  });

  it('takes a tensor of exactly MAX_TENSOR_BYTES, counting each dtype at its item size', () => {
    // 2^28 floats are 2^30 bytes: within the limit, so the refusal is about the one byte of content sent.
    expect(protoError(() => fromBytes(tensorProto(DT.float, [2 ** 14, 2 ** 14], lenField(4, [0]))))).toBe(
      'tensor_content has 1 bytes; 268435456 float values need 1073741824',
    );
  });

  it('names the field when a hand-built message holds a packed run readTensorProto would have refused', () => {
    const msg = { dtype: DT.int32, dims: [1], unknownRank: false, content: null, values: new Map([[7, [Uint8Array.of(0x80)]]]) };
    expect(protoError(() => tensorFromProto(msg))).toBe('int_val: truncated message');
  });
});

describe('Tensor -> TensorProto details', () => {
  const encode = (t: Tensor) => {
    const { size, write } = encodeTensorProto(t);
    const w = new WireWriter(size);
    write(w);
    return w.finish();
  };

  it.each([
    ['float32', new Float32Array(0)],
    ['int64', new BigInt64Array(0)],
    ['bool', new Uint8Array(0)],
    ['string', []],
  ] as const)('writes no value field for an empty %s tensor', (dtype, data) => {
    const bytes = encode({ dtype, dims: [0, 2], data: data as Tensor['data'] });
    expect(bytes).toEqual(Uint8Array.from(encodeMessage(TensorProto, { dtype: tfDataType(dtype), tensor_shape: shape([0, 2]) })));
  });

  it('writes any nonzero bool byte as true', () => {
    const bytes = encode({ dtype: 'bool', dims: [3], data: new Uint8Array([0, 1, 200]) });
    expect(decodeMessage<{ bool_val: boolean[] }>(TensorProto, bytes).bool_val).toEqual([false, true, true]);
  });
});

describe('readTensorProto: what a sender cut short or mistyped', () => {
  it('says a 64-bit varint cut off by the end of the message is truncated', () => {
    expect(wireErrorIn([...tag(10, VARINT), 0x80])).toBe('int64_val: truncated message');
    expect(wireErrorIn([...tag(17, VARINT), 0xff, 0xff, 0xff, 0xff, 0xff])).toBe('uint64_val: truncated message');
  });

  it('skips string_val sent as a varint, as protobuf skips a field of another wire type', () => {
    const bytes = tensorProto(DT.string, [1], [...varintField(8, 3), ...lenField(8, text('cat'))]);
    expect(fromBytes(bytes).data).toEqual(['cat']);
  });
});
