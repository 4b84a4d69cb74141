import { dtypeOfTfDataType, tfDataType, tfTypeString, tfTypeStringOf } from '../dtypes.ts';
import { allocate, binaryString, elementCount, type DType, type Tensor, type TensorData } from '../tensor.ts';
import {
  FIXED32,
  FIXED64,
  LENGTH_DELIMITED,
  VARINT,
  WireError,
  WireReader,
  WireWriter,
  delimitedSize,
  int32Size,
  tagOf,
  uint32Size,
  uint64Size,
  utf8Encoder,
} from './wire.ts';

/**
 * tensorflow.TensorProto <-> Tensor (field numbers: proto/tensorflow/core/framework/tensor.proto).
 *
 * Decoding follows TF's Tensor::FromProto: a fully defined shape (no unknown rank, no negative
 * dim); `tensor_content` when non-empty (little-endian, exactly elements x item size bytes; for
 * DT_STRING all varint lengths then all bytes), else the dtype's typed field, where fewer values
 * than elements are filled with the last value (so one value broadcasts), none gives zeros, and
 * extra values are ignored. Packed and unpacked encodings are both read. tensor_content and packed
 * floats become typed-array views of the request bytes when aligned (copies otherwise).
 * Strings are UTF-8 decoded (invalid bytes become U+FFFD, as in the JSON codec).
 *
 * Encoding writes the typed `*_val` fields, TF Serving's default, or `tensor_content` for
 * fixed-width dtypes when asked (strings always use string_val, which tf.make_ndarray reads).
 * Packed float/double fields have the same bytes as tensor_content: both are one copy.
 */

/** A TensorProto as read off the wire, before it is checked. */
export interface TensorProtoMsg {
  /** tensorflow.DataType number. */
  dtype: number;
  dims: number[];
  unknownRank: boolean;
  /** tensor_content when non-empty, else null. */
  content: Uint8Array | null;
  /** Typed value fields by field number, in wire order: packed runs (bytes) or single values. */
  values: Map<number, (Uint8Array | number | bigint)[]>;
}

/** Why a TensorProto cannot become a Tensor. `dtypeName` is set when only its dtype is the problem. */
export class TensorProtoError extends Error {
  constructor(
    message: string,
    readonly dtypeName?: string,
  ) {
    super(message);
  }
}

/** The typed field each dtype uses. */
const VALUE_FIELD: Record<DType, number> = {
  float32: 5,
  float64: 6,
  int32: 7,
  int16: 7,
  int8: 7,
  uint8: 7,
  uint16: 7,
  string: 8,
  int64: 10,
  bool: 11,
  float16: 13,
  uint32: 16,
  uint64: 17,
};
const FIXED32_FIELDS = new Set([5, 9]);
const FIXED64_FIELDS = new Set([6, 12]);
const BIG_FIELDS = new Set([10, 17]);

const ITEM_BYTES: Partial<Record<DType, number>> = {
  float32: 4, float64: 8, int32: 4, uint8: 1, int16: 2, int8: 1, int64: 8, bool: 1, uint16: 2, float16: 2, uint32: 4, uint64: 8,
};

/** The largest tensor a request may expand to (typed-field broadcast can ask for more than it sends). */
export const MAX_TENSOR_BYTES = 2 ** 30;

/** The value fields' names, for messages. */
const FIELD_NAMES: Record<number, string> = {
  5: 'float_val', 6: 'double_val', 7: 'int_val', 8: 'string_val', 9: 'scomplex_val', 10: 'int64_val', 11: 'bool_val',
  12: 'dcomplex_val', 13: 'half_val', 16: 'uint32_val', 17: 'uint64_val',
};

/**
 * Reads a TensorProto; every wire error (packed varint runs included, so that decoding values
 * later cannot fail) is a WireError naming the field: `int64_val: truncated varint`.
 */
export function readTensorProto(r: WireReader): TensorProtoMsg {
  const msg: TensorProtoMsg = { dtype: 0, dims: [], unknownRank: false, content: null, values: new Map() };
  while (!r.done()) {
    const tag = r.tag();
    const field = tag >>> 3;
    const type = tag & 7;
    try {
      readField(r, msg, field, type);
    } catch (err) {
      if (err instanceof WireError) throw err.within(fieldName(field));
      throw err;
    }
  }
  return msg;
}

function fieldName(field: number): string {
  return field === 1 ? 'dtype' : field === 2 ? 'tensor_shape' : field === 4 ? 'tensor_content' : (FIELD_NAMES[field] ?? `field ${field}`);
}

function readField(r: WireReader, msg: TensorProtoMsg, field: number, type: number): void {
  if (field === 1 && type === VARINT) msg.dtype = r.uint32();
  else if (field === 2 && type === LENGTH_DELIMITED) readShape(r.message(), msg);
  else if (field === 4 && type === LENGTH_DELIMITED) {
    const content = r.bytes();
    msg.content = content.byteLength > 0 ? content : null;
  } else if (field >= 5 && field <= 17 && field !== 14 && field !== 15) {
    // A typed field's values: packed (length-delimited, or string_val's bytes) or one at a time in
    // the field's own wire type. Any other wire type is an unknown field, skipped as protobuf does.
    const varints = field !== 8 && !FIXED32_FIELDS.has(field) && !FIXED64_FIELDS.has(field);
    let value: Uint8Array | number | bigint;
    if (type === LENGTH_DELIMITED) {
      value = r.bytes();
      if (varints) checkVarints(value);
    } else if (type === VARINT && varints) value = BIG_FIELDS.has(field) ? r.uint64() : r.uint32();
    else if (type === FIXED32 && FIXED32_FIELDS.has(field)) value = r.float();
    else if (type === FIXED64 && FIXED64_FIELDS.has(field)) value = r.double();
    else return r.skip(type);
    const list = msg.values.get(field);
    if (list) list.push(value);
    else msg.values.set(field, [value]);
  } else r.skip(type);
}

/** A packed varint run must hold whole varints of at most 10 bytes each. */
function checkVarints(run: Uint8Array): void {
  let length = 0;
  for (let i = 0; i < run.length; i++) {
    length = run[i] < 0x80 ? 0 : length + 1;
    if (length >= 10) throw new WireError('varint longer than 10 bytes');
  }
  if (length > 0) throw new WireError('truncated varint at the end of the packed values');
}

function readShape(r: WireReader, msg: TensorProtoMsg): void {
  while (!r.done()) {
    const tag = r.tag();
    if (tag === tagOf(2, LENGTH_DELIMITED)) {
      const dim = r.message();
      let size = 0;
      while (!dim.done()) {
        const t = dim.tag();
        if (t === tagOf(1, VARINT)) size = dim.int64Number();
        else dim.skip(t & 7);
      }
      msg.dims.push(size);
    } else if (tag === tagOf(3, VARINT)) msg.unknownRank = r.bool();
    else r.skip(tag & 7);
  }
}

/** The tensor a TensorProto holds, by TF's FromProto rules; throws TensorProtoError. */
export function tensorFromProto(msg: TensorProtoMsg, bytes = false): Tensor {
  if (msg.dtype === 0) throw new TensorProtoError('dtype is not set');
  const dtype = dtypeOfTfDataType(msg.dtype);
  if (dtype === undefined) {
    const name = tfTypeStringOf(msg.dtype);
    if (name !== undefined) throw new TensorProtoError(`${name} is not supported`, name);
    throw new TensorProtoError(`unknown dtype ${msg.dtype}`);
  }
  if (msg.unknownRank) throw new TensorProtoError('tensor_shape has unknown rank');
  if (msg.dims.length > 254) throw new TensorProtoError('tensor_shape has more than 254 dimensions');
  if (msg.dims.some((d) => d < 0)) throw new TensorProtoError(`tensor_shape [${msg.dims.join(',')}] has a negative dimension`);
  const n = elementCount(msg.dims);
  if (!Number.isSafeInteger(n) || n * (ITEM_BYTES[dtype] ?? 16) > MAX_TENSOR_BYTES) {
    throw new TensorProtoError(`tensor_shape [${msg.dims.join(',')}] is larger than ${MAX_TENSOR_BYTES} bytes`);
  }
  const dims = [...msg.dims];
  if (n === 0) return { dtype, dims, data: allocate(dtype, 0) };
  try {
    const text = bytes ? binaryString : (b: Uint8Array) => utf8.decode(b);
    const data = msg.content ? fromContent(dtype, msg.content, n, text) : fit(dtype, fromValues(dtype, msg.values.get(VALUE_FIELD[dtype]) ?? [], text), n);
    return { dtype, dims, data };
  } catch (err) {
    // readTensorProto checked the packed runs; this is a second line, not the expected path.
    if (err instanceof WireError) throw new TensorProtoError(`${FIELD_NAMES[VALUE_FIELD[dtype]]}: ${err.message}`);
    throw err;
  }
}

type Numeric = Exclude<TensorData, string[]>;
type TypedCtor = { new (buffer: ArrayBufferLike, offset: number, length: number): Numeric; new (length: number): Numeric; BYTES_PER_ELEMENT: number };

const CTORS: Record<Exclude<DType, 'string'>, TypedCtor> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint8: Uint8Array,
  int16: Int16Array,
  int8: Int8Array,
  int64: BigInt64Array,
  bool: Uint8Array,
  uint16: Uint16Array,
  float16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
} as unknown as Record<Exclude<DType, 'string'>, TypedCtor>;

const utf8 = new TextDecoder();

function fromContent(dtype: DType, content: Uint8Array, n: number, text: (b: Uint8Array) => string): TensorData {
  if (dtype === 'string') return stringsFromContent(content, n, text);
  const Ctor = CTORS[dtype];
  const size = Ctor.BYTES_PER_ELEMENT;
  if (content.byteLength !== n * size) {
    throw new TensorProtoError(`tensor_content has ${content.byteLength} bytes; ${n} ${tfTypeString(dtype)} values need ${n * size}`);
  }
  const data = view(Ctor, content, n);
  if (dtype === 'bool') return Uint8Array.from(data as Uint8Array, (b) => (b ? 1 : 0));
  return data;
}

/** A typed array over `bytes`: a view when aligned, else a copy. */
function view(Ctor: TypedCtor, bytes: Uint8Array, n: number): Numeric {
  if (bytes.byteOffset % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(bytes.buffer, bytes.byteOffset, n);
  // new Uint8Array(view) copies; Buffer#slice (gRPC hands us Buffers) would not.
  return new Ctor(new Uint8Array(bytes).buffer, 0, n);
}

/** TF's string tensor_content: n varint lengths, then the bytes one after another. */
function stringsFromContent(content: Uint8Array, n: number, text: (b: Uint8Array) => string): string[] {
  try {
    const r = new WireReader(content);
    const lengths = Array.from({ length: n }, () => r.uint32());
    const out = lengths.map((len) => {
      if (r.pos + len > content.byteLength) throw new WireError('truncated');
      const s = text(content.subarray(r.pos, r.pos + len));
      r.pos += len;
      return s;
    });
    if (!r.done()) throw new WireError('trailing bytes');
    return out;
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
    throw new TensorProtoError(`tensor_content does not hold ${n} strings`);
  }
}

/** Every value of the dtype's typed field, in order. */
function fromValues(dtype: DType, chunks: (Uint8Array | number | bigint)[], text: (b: Uint8Array) => string): TensorData {
  if (dtype === 'string') return chunks.map((c) => (c instanceof Uint8Array ? text(c) : ''));
  const Ctor = CTORS[dtype];
  const field = VALUE_FIELD[dtype];
  const fixed = FIXED32_FIELDS.has(field) || FIXED64_FIELDS.has(field) ? Ctor.BYTES_PER_ELEMENT : 0;
  if (fixed && chunks.length === 1 && chunks[0] instanceof Uint8Array) {
    const bytes = chunks[0];
    if (bytes.byteLength % fixed !== 0) throw new TensorProtoError(`packed ${tfTypeString(dtype)} values are truncated`);
    return view(Ctor, bytes, bytes.byteLength / fixed);
  }
  let m = 0;
  for (const c of chunks) m += c instanceof Uint8Array ? (fixed ? c.byteLength / fixed : varintCount(c)) : 1;
  const out = new Ctor(Math.floor(m)) as unknown as { [i: number]: number | bigint; length: number };
  const big = BIG_FIELDS.has(field);
  let i = 0;
  const put = (v: number | bigint) => {
    out[i++] = dtype === 'bool' ? (v ? 1 : 0) : big ? BigInt(v) : Number(v);
  };
  for (const c of chunks) {
    if (!(c instanceof Uint8Array)) {
      put(c);
      continue;
    }
    if (fixed) {
      if (c.byteLength % fixed !== 0) throw new TensorProtoError(`packed ${tfTypeString(dtype)} values are truncated`);
      const vals = view(Ctor, c, c.byteLength / fixed);
      for (let k = 0; k < vals.length; k++) put(vals[k]);
      continue;
    }
    const r = new WireReader(c);
    while (!r.done()) put(big ? r.uint64() : r.uint32());
  }
  return out as unknown as TensorData;
}

function varintCount(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] < 0x80) n++;
  return n;
}

/** TF's FromProtoField: exactly n values; fewer repeat the last; none are zeros. */
function fit(dtype: DType, values: TensorData, n: number): TensorData {
  const m = values.length;
  if (m === n) return values;
  if (m > n) return Array.isArray(values) ? values.slice(0, n) : values.subarray(0, n);
  const out = allocate(dtype, n);
  if (m === 0) return out;
  if (Array.isArray(values)) return Array.from({ length: n }, (_, i) => values[Math.min(i, m - 1)]);
  const typed = out as Numeric;
  (typed as Float64Array).set(values as Float64Array);
  (typed as Float64Array).fill((values as Float64Array)[m - 1], m);
  return typed;
}

/** A message ready to write: its exact size, then the writer. */
export interface Encoded {
  size: number;
  write(w: WireWriter): void;
}

export interface EncodeOptions {
  /** Write fixed-width data as tensor_content instead of the typed field. */
  asContent?: boolean;
}

export function encodeTensorProto(t: Tensor, options: EncodeOptions = {}): Encoded {
  const shape = encodeShape(t.dims);
  const head = 1 + uint32Size(tfDataType(t.dtype)) + delimitedSize(2, shape.size);
  const body = encodeData(t, options.asContent === true);
  return {
    size: head + body.size,
    write(w) {
      w.tag(1, VARINT);
      w.uint32(tfDataType(t.dtype));
      w.tag(2, LENGTH_DELIMITED);
      w.uint32(shape.size);
      shape.write(w);
      body.write(w);
    },
  };
}

function encodeShape(dims: number[]): Encoded {
  const dimSize = (d: number) => (d === 0 ? 0 : 1 + uint64Size(BigInt(d)));
  let size = 0;
  for (const d of dims) size += delimitedSize(2, dimSize(d));
  return {
    size,
    write(w) {
      for (const d of dims) {
        w.tag(2, LENGTH_DELIMITED);
        w.uint32(dimSize(d));
        if (d !== 0) {
          w.tag(1, VARINT);
          w.uint64(BigInt(d));
        }
      }
    },
  };
}

const NOTHING: Encoded = { size: 0, write() {} };

function encodeData(t: Tensor, asContent: boolean): Encoded {
  if (t.data.length === 0) return NOTHING;
  if (t.dtype === 'string') {
    const bytes = (t.data as string[]).map((s) => utf8Encoder.encode(s));
    return {
      size: bytes.reduce((n, b) => n + delimitedSize(8, b.byteLength), 0),
      write: (w) => bytes.forEach((b) => w.delimited(8, b)),
    };
  }
  const data = t.data as Numeric;
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const field = VALUE_FIELD[t.dtype];
  if (asContent || FIXED32_FIELDS.has(field) || FIXED64_FIELDS.has(field)) {
    // Packed fixed-width values and tensor_content are the same little-endian bytes.
    const target = asContent ? 4 : field;
    return { size: delimitedSize(target, raw.byteLength), write: (w) => w.delimited(target, raw) };
  }
  return packedVarints(t.dtype, field, data);
}

function packedVarints(dtype: DType, field: number, data: Numeric): Encoded {
  let length = 0;
  if (dtype === 'int64' || dtype === 'uint64') {
    for (const v of data as BigInt64Array) length += uint64Size(v);
  } else if (dtype === 'int32' || dtype === 'int16' || dtype === 'int8') {
    for (const v of data as Int32Array) length += int32Size(v);
  } else if (dtype === 'bool') {
    length = data.length;
  } else {
    for (const v of data as Uint32Array) length += uint32Size(v);
  }
  return {
    size: delimitedSize(field, length),
    write(w) {
      w.tag(field, LENGTH_DELIMITED);
      w.uint32(length);
      if (dtype === 'int64' || dtype === 'uint64') for (const v of data as BigInt64Array) w.uint64(v);
      else if (dtype === 'bool') for (const v of data as Uint8Array) w.uint32(v ? 1 : 0);
      else for (const v of data as Int32Array) w.int32(v);
    },
  };
}
