import type { Rng } from './rng.ts';
import { DT_FLOAT, DT_INT64, FIXED32, FIXED64, LEN, VARINT, floats32, lenField, tag, text, varint, varintField, type Bytes } from './proto-bytes.ts';

/**
 * PredictRequest bodies for the fuzzer: valid requests for the bundled models, built field by
 * field so that a case can break one field in a way no protobuf library would write (cut or
 * overlong varints, wrong wire types, huge or negative dims, dtype numbers out of the enum,
 * tensor_content of the wrong length, unknown fields), then byte-level damage on top (truncation,
 * bit flips, spliced bytes). Deterministic for a given Rng.
 */
interface InputShape {
  name: string;
  dtype: number;
  row: number[];
}

export const BINARY_MODELS: { model: string; inputs: InputShape[] }[] = [
  { model: 'half_plus_two', inputs: [{ name: 'x', dtype: DT_FLOAT, row: [1] }] },
  { model: 'classifier', inputs: [{ name: 'inputs', dtype: DT_FLOAT, row: [4] }] },
  { model: 'regressor', inputs: [{ name: 'inputs', dtype: DT_FLOAT, row: [3] }] },
  { model: 'multi_io', inputs: [{ name: 'x', dtype: DT_FLOAT, row: [3] }, { name: 'ids', dtype: DT_INT64, row: [2] }] },
  { model: 'lookup', inputs: [{ name: 'ids', dtype: DT_INT64, row: [2] }, { name: 'extra', dtype: DT_FLOAT, row: [3] }] },
];

const HUGE_DIMS = [2 ** 31, 2 ** 31 - 1, 262_143, 1 << 20, 2 ** 53, 2 ** 62, -1, -(2 ** 40), 0];
const DTYPES = [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 14, 17, 19, 20, 21, 22, 23, 30, 99, 2 ** 31, 0xffffffff];

/** An overlong varint: n > 10 continuation bytes. */
const overlong = (rng: Rng): Bytes => [...Array(10 + rng.int(6)).fill(0xff), 0x01];

/** A varint cut before its last byte. */
const cutVarint = (): Bytes => [0x80, 0x80];

function values(rng: Rng, dtype: number, count: number): Bytes {
  const n = Math.max(0, count);
  switch (rng.int(9)) {
    case 0: // packed floats
      return lenField(5, floats32(Array.from({ length: n }, () => rng.next() * 10 - 5)));
    case 1: // one value that fills the shape
      return [...tag(5, FIXED32), ...floats32([rng.next()])];
    case 2: // packed int64 varints, sometimes broken
      return lenField(10, [...Array.from({ length: n }, () => varint(rng.int(1000) - 500)).flat(), ...(rng.chance(0.5) ? cutVarint() : overlong(rng))]);
    case 3: // tensor_content of about the right size
      return lenField(4, rng.bytes(Math.max(0, n * (dtype === DT_INT64 ? 8 : 4) + rng.int(3) - 1)));
    case 4: // a value field with the wrong wire type
      return [...tag(rng.pick([5, 6, 7, 8, 10, 11, 13, 16, 17]), rng.pick([VARINT, FIXED64, LEN, FIXED32, 3, 4, 6, 7])), ...rng.bytes(rng.int(12))];
    case 5: // unpacked int64s with an overlong varint
      return [...varintField(10, 1), ...tag(10, VARINT), ...overlong(rng)];
    case 6: // strings, some not UTF-8
      return lenField(8, [0xff, 0xfe, 0xc0, 0x80, ...text('é')]);
    case 7: // a length prefix longer than the message
      return [...tag(4, LEN), ...varint(2 ** 31 - 1 + rng.int(10)), ...rng.bytes(4)];
    default: // int64 values in the right field
      return Array.from({ length: n }, () => varintField(10, BigInt(rng.int(1 << 30)) * BigInt(rng.pick([1, -1])))).flat();
  }
}

function dims(rng: Rng, batch: number, row: number[]): number[] {
  const good = [batch, ...row];
  switch (rng.int(6)) {
    case 0:
      return good.map((d) => (rng.chance(0.5) ? rng.pick(HUGE_DIMS) : d));
    case 1:
      return [rng.pick(HUGE_DIMS), ...row];
    case 2:
      return Array.from({ length: rng.int(300) }, () => rng.int(3));
    case 3:
      return good.slice(0, rng.int(good.length));
    default:
      return good;
  }
}

function tensor(rng: Rng, input: InputShape): Bytes {
  const batch = 1 + rng.int(3);
  const shape = dims(rng, batch, input.row);
  const dtype = rng.chance(0.85) ? input.dtype : rng.pick(DTYPES);
  const count = rng.chance(0.8) ? batch * input.row.reduce((a, b) => a * b, 1) : rng.int(5);
  const shapeBytes = shape.flatMap((d) => lenField(2, varintField(1, d)));
  const parts: Bytes[] = [varintField(1, dtype), lenField(2, rng.chance(0.05) ? [...shapeBytes, ...varintField(3, 1)] : shapeBytes), values(rng, dtype, count)];
  if (rng.chance(0.1)) parts.push([...tag(rng.int(40) + 1, rng.int(8)), ...rng.bytes(rng.int(8))]);
  return parts.flat();
}

function spec(rng: Rng, model: string): Bytes {
  const name = rng.chance(0.9) ? model : rng.pick(['', 'nope', 'x'.repeat(5000), '\u0000', 'classifier']);
  const parts: Bytes[] = [lenField(1, text(name))];
  if (rng.chance(0.2)) parts.push(lenField(2, rng.chance(0.5) ? varintField(1, rng.pick([1, 2, 0, -1, 2 ** 62])) : overlong(rng)));
  if (rng.chance(0.1)) parts.push(lenField(4, text(rng.pick(['stable', 'canary', 'nope', 'l'.repeat(3000)]))));
  if (rng.chance(0.15)) parts.push(lenField(3, text(rng.pick(['serving_default', 'other', 's'.repeat(4000)]))));
  return parts.flat();
}

/** A structured request, maybe broken field by field. */
export function structuredRequest(rng: Rng): { model: string; bytes: Bytes } {
  const m = rng.pick(BINARY_MODELS);
  const parts: Bytes[] = [];
  if (rng.chance(0.95)) parts.push(lenField(1, spec(rng, m.model)));
  for (const input of m.inputs) {
    if (rng.chance(0.05)) continue;
    const name = rng.chance(0.95) ? input.name : rng.pick(['', 'y', 'a'.repeat(3000)]);
    parts.push(lenField(2, [...lenField(1, text(name)), ...lenField(2, tensor(rng, input))]));
  }
  if (rng.chance(0.1)) parts.push(lenField(3, text(rng.pick(['y', 'sum', 'nope', 'scores']))));
  return { model: m.model, bytes: parts.flat() };
}

/** Byte-level damage: truncation, bit flips, spliced random bytes, an overlong varint somewhere. */
export function damage(rng: Rng, bytes: Bytes): Bytes {
  const out = [...bytes];
  const rounds = rng.int(3);
  for (let i = 0; i < rounds && out.length > 0; i++) {
    const at = rng.int(out.length);
    switch (rng.int(4)) {
      case 0:
        out.length = at;
        break;
      case 1:
        out[at] ^= 1 << rng.int(8);
        break;
      case 2:
        out.splice(at, 0, ...rng.bytes(1 + rng.int(6)));
        break;
      default:
        out.splice(at, 0, ...overlong(rng));
    }
  }
  return out;
}

/** One fuzz case: the model it targets (for the URL) and the body. */
export function binaryCase(rng: Rng): { model: string; bytes: Uint8Array<ArrayBuffer> } {
  const { model, bytes } = structuredRequest(rng);
  return { model, bytes: Uint8Array.from(rng.chance(0.4) ? damage(rng, bytes) : bytes) };
}
