import { invalidArgument, type ServingError } from '../../errors.ts';
import { tfTypeString } from '../dtypes.ts';
import { decodeBase64Bytes, decodeBase64Text } from './base64.ts';
import { floatToHalf } from './float-format.ts';
import { jsonTypeName, renderJson } from './text.ts';
import { JsonDouble, type JsonObject, type JsonValue } from './value.ts';
import { binaryString, type DType, type TensorData } from '../tensor.ts';

/** `JSON Value: <v> Type: <JsonType> is not of expected type: <dtype>` (INVALID_ARGUMENT). */
export function typeError(v: JsonValue, dtype: DType): ServingError {
  return invalidArgument(
    `JSON Value: ${renderJson(v)} Type: ${jsonTypeName(v)} is not of expected type: ${tfTypeString(dtype)}`,
  );
}

/** True for `{"b64": "<string>"}` with no other member: TF's base64 object. */
export function isBase64Object(v: JsonValue): boolean {
  return v instanceof Map && v.size === 1 && typeof v.get('b64') === 'string';
}

/** The text of a base64 object (see base64.ts for why bytes become text); TF's messages on failure. */
export function decodeBase64Object(v: JsonObject, bytes = false): string {
  if (!isBase64Object(v)) {
    throw invalidArgument(`JSON Value: ${renderJson(v)} not formatted correctly for base64 data`);
  }
  const b64 = v.get('b64') as string;
  const text = bytes ? mapNull(decodeBase64Bytes(b64), binaryString) : decodeBase64Text(b64);
  if (text === null) throw invalidArgument('Unable to base64 decode');
  return text;
}

const mapNull = <A, B>(a: A | null, f: (a: A) => B): B | null => (a === null ? null : f(a));
const utf8 = new TextEncoder();

/** Inclusive value range of each integer dtype. */
export const INT_RANGES: Partial<Record<DType, readonly [bigint, bigint]>> = {
  int8: [-(2n ** 7n), 2n ** 7n - 1n],
  int16: [-(2n ** 15n), 2n ** 15n - 1n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint8: [0n, 2n ** 8n - 1n],
  uint16: [0n, 2n ** 16n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

/**
 * Converts one JSON leaf to `dtype` and stores it in out[i]; with out null it only validates.
 * Throws INVALID_ARGUMENT with TF Serving's wording (docs/tf-serving-compat.md 5.4). Never sees arrays.
 */
export type LeafWriter = (v: JsonValue, out: TensorData | null, i: number) => void;

/** The LeafWriter for a dtype. */
export function leafWriter(dtype: DType, bytes = false): LeafWriter {
  switch (dtype) {
    case 'float32':
    case 'float64':
      // Float32Array stores round to nearest, as Math.fround and C's (float)double do.
      return (v, out, i) => {
        const x = asNumber(v, dtype);
        if (out !== null) (out as Float32Array)[i] = x;
      };
    case 'float16':
      // Not in TF Serving (UNIMPLEMENTED there); accepted like float, stored as IEEE half bits.
      return (v, out, i) => {
        const x = asNumber(v, dtype);
        if (out !== null) (out as Uint16Array)[i] = floatToHalf(x);
      };
    case 'int64':
    case 'uint64':
      return bigIntWriter(dtype);
    case 'bool':
      return (v, out, i) => {
        if (typeof v !== 'boolean') throw typeError(v, dtype);
        if (out !== null) (out as Uint8Array)[i] = v ? 1 : 0;
      };
    case 'string':
      return (v, out, i) => {
        let s: string;
        if (typeof v === 'string') s = bytes ? binaryString(utf8.encode(v)) : v;
        else if (v instanceof Map) s = decodeBase64Object(v, bytes);
        else throw typeError(v, dtype);
        if (out !== null) (out as string[])[i] = s;
      };
    default:
      return smallIntWriter(dtype);
  }
}

/** Any JSON number (integer or decimal literal, NaN, +-Infinity) as a double. */
function asNumber(v: JsonValue, dtype: DType): number {
  if (typeof v === 'number') return v;
  if (v instanceof JsonDouble) return v.value;
  if (typeof v === 'bigint') return Number(v);
  throw typeError(v, dtype);
}

/**
 * int8/16/32, uint8/16/32. TF takes integer literals that fit int32 (uint32 for uint32) and
 * rejects the rest as a type error; it then wraps out-of-range int8/int16/uint8 silently, where we
 * reject them. uint16 is not in TF Serving; it gets the same treatment.
 */
function smallIntWriter(dtype: DType): LeafWriter {
  const [lo, hi] = (INT_RANGES[dtype] as readonly [bigint, bigint]).map(Number);
  const typeLo = dtype === 'uint32' ? 0 : -(2 ** 31);
  const typeHi = dtype === 'uint32' ? 2 ** 32 - 1 : 2 ** 31 - 1;
  return (v, out, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < typeLo || v > typeHi) throw typeError(v, dtype);
    if (v < lo || v > hi) {
      throw invalidArgument(`JSON Value: ${v} is out of range for type: ${tfTypeString(dtype)}`);
    }
    if (out !== null) (out as Int32Array)[i] = v;
  };
}

/** int64 / uint64: integer literals only, kept exact (literals beyond 2^53 arrive as bigint). */
function bigIntWriter(dtype: DType): LeafWriter {
  const [lo, hi] = INT_RANGES[dtype] as readonly [bigint, bigint];
  return (v, out, i) => {
    let b: bigint;
    if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
    else if (typeof v === 'bigint') b = v;
    else throw typeError(v, dtype);
    if (b < lo || b > hi) throw typeError(v, dtype);
    if (out !== null) (out as BigInt64Array)[i] = b;
  };
}
