import { invalidArgument, quoted } from '../../errors.ts';
import { allocate, binaryString, elementCount, type DType, type Tensor, type TensorData } from '../tensor.ts';

/*
 * Raw tensor bytes as the Open Inference Protocol sends them (gRPC raw_input_contents /
 * raw_output_contents, and Triton's binary tensor data extension over REST): the flattened,
 * row-major elements with no padding, little-endian; BOOL one byte each (0 or 1); FP16 as IEEE
 * half bits; BYTES as each element's length (4-byte little-endian unsigned) then its bytes.
 * BYTES elements become our string tensors' UTF-8 text (core/tensor/json/base64.ts says why).
 * Failures are INVALID_ARGUMENT naming the tensor.
 */
const ITEM: Record<Exclude<DType, 'string'>, number> = {
  float32: 4, float64: 8, float16: 2, int8: 1, int16: 2, int32: 4, int64: 8, uint8: 1, uint16: 2, uint32: 4, uint64: 8, bool: 1,
};

/** Bytes per element of a fixed-size datatype (BYTES has none). */
export function itemBytes(dtype: Exclude<DType, 'string'>): number {
  return ITEM[dtype];
}

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** A tensor of `dtype` and `dims` from raw bytes; their length must be exactly the shape's. */
export function tensorFromRaw(name: string, dtype: DType, dims: number[], bytes: Uint8Array, keepBytes = false): Tensor {
  const n = elementCount(dims);
  if (dtype === 'string') return { dtype, dims, data: stringsFromRaw(name, bytes, n, keepBytes ? binaryString : (b) => utf8.decode(b)) };
  const want = n * ITEM[dtype];
  if (bytes.byteLength !== want) {
    throw invalidArgument(`input ${quoted(name)}: ${bytes.byteLength} bytes of raw data, but shape [${dims.join(',')}] of ${dtype} needs ${want}`);
  }
  const data = allocate(dtype, n);
  // Copy into the typed array's own buffer: aligned, and the body's buffer may be reused.
  new Uint8Array((data as Exclude<TensorData, string[]>).buffer).set(bytes);
  if (dtype === 'bool' && (data as Uint8Array).some((b) => b > 1)) throw invalidArgument(`input ${quoted(name)}: BOOL raw data holds bytes other than 0 and 1`);
  if (!LITTLE_ENDIAN && ITEM[dtype] > 1) swapBytes(new Uint8Array((data as Exclude<TensorData, string[]>).buffer), ITEM[dtype]);
  return { dtype, dims, data };
}

/** A tensor's raw bytes (see the file's contract). */
export function tensorToRaw(t: Tensor): Uint8Array<ArrayBuffer> {
  if (t.dtype === 'string') {
    const parts = (t.data as string[]).map((s) => utf8Encoder.encode(s));
    const out = new Uint8Array(parts.reduce((sum, p) => sum + 4 + p.byteLength, 0));
    const view = new DataView(out.buffer);
    let at = 0;
    for (const p of parts) {
      view.setUint32(at, p.byteLength, true);
      out.set(p, at + 4);
      at += 4 + p.byteLength;
    }
    return out;
  }
  const data = t.data as Exclude<TensorData, string[]>;
  const out = new Uint8Array(data.byteLength);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  if (!LITTLE_ENDIAN && ITEM[t.dtype] > 1) swapBytes(out, ITEM[t.dtype]);
  return out;
}

function stringsFromRaw(name: string, bytes: Uint8Array, n: number, text: (b: Uint8Array) => string): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = [];
  let at = 0;
  while (at < bytes.byteLength) {
    if (out.length === n) break;
    if (at + 4 > bytes.byteLength) break;
    const len = view.getUint32(at, true);
    if (at + 4 + len > bytes.byteLength) break;
    out.push(text(bytes.subarray(at + 4, at + 4 + len)));
    at += 4 + len;
  }
  if (out.length !== n || at !== bytes.byteLength) {
    throw invalidArgument(`input ${quoted(name)}: BYTES raw data does not hold exactly ${n} length-prefixed elements`);
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}
