/**
 * PredictRequest bytes by hand, for tests that must send what no protobuf library would write
 * (cut varints, 11-byte varints, wrong wire types). Field numbers: proto/tensorflow_serving/apis/
 * predict.proto, model.proto and proto/tensorflow/core/framework/tensor{,_shape}.proto.
 */
export type Bytes = number[];

export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
export const FIXED32 = 5;

/** An unsigned varint (a negative number is written as its 64-bit two's complement). */
export function varint(value: number | bigint): Bytes {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: Bytes = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

export const tag = (field: number, type: number): Bytes => varint((field << 3) | type);

export const lenField = (field: number, body: Bytes): Bytes => [...tag(field, LEN), ...varint(body.length), ...body];

export const varintField = (field: number, value: number | bigint): Bytes => [...tag(field, VARINT), ...varint(value)];

export const text = (s: string): Bytes => [...new TextEncoder().encode(s)];

export function floats32(values: number[]): Bytes {
  return [...new Uint8Array(Float32Array.from(values).buffer)];
}

/** tensorflow.TensorShapeProto with the given dims. */
export const shapeProto = (dims: number[]): Bytes => dims.flatMap((d) => lenField(2, varintField(1, d)));

/** tensorflow.TensorProto: dtype, shape, then raw value fields (already tagged). */
export function tensorProto(dtype: number, dims: number[], values: Bytes = []): Bytes {
  return [...varintField(1, dtype), ...lenField(2, shapeProto(dims)), ...values];
}

export interface RequestParts {
  model: string;
  signature?: string;
  inputs: [string, Bytes][];
}

/** tensorflow.serving.PredictRequest: model_spec {name, signature_name}, then the inputs map. */
export function predictRequest(parts: RequestParts): Uint8Array<ArrayBuffer> {
  const spec = [...lenField(1, text(parts.model)), ...(parts.signature !== undefined ? lenField(3, text(parts.signature)) : [])];
  const inputs = parts.inputs.flatMap(([name, tensor]) => lenField(2, [...lenField(1, text(name)), ...lenField(2, tensor)]));
  return Uint8Array.from([...lenField(1, spec), ...inputs]);
}

export const DT_FLOAT = 1;
export const DT_INT64 = 9;
