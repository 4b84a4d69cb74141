import { describe, expect, it } from 'vitest';
import { writeFloat32 } from './float-bytes.ts';
import { formatFloat32 } from './float-format.ts';
import { mulberry32 } from '../../../test/fixtures/onnx-writer.ts';

const buf = new Uint8Array(32);
const text = (x: number) => String.fromCharCode(...buf.subarray(0, writeFloat32(buf, 0, x)));
const bits = new DataView(new ArrayBuffer(4));
const fromBits = (u: number) => (bits.setUint32(0, u >>> 0), bits.getFloat32(0));

// formatFloat32 is the reference: its exact path (BigInt ties) is tested against printf's values
// in float-format.test.ts; the byte writer must produce the same text for every float32.
describe('writeFloat32', () => {
  it('writes the known values', () => {
    const cases: [number, string][] = [
      [3, '3.0'], [0.1, '0.1'], [999999, '999999.0'], [9000000, '9e+06'], [0.00003, '3e-05'], [555557.5, '555557.5'],
      [Math.PI, '3.14159274'], [1 / 3, '0.333333343'], [-0, '-0.0'], [0, '0.0'], [-2.5, '-2.5'], [1e-5, '1e-05'],
      [0.0001, '0.0001'], [100000, '100000.0'], [2 ** -13, '0.000122070312'], [2 ** -20, '9.53674316e-07'],
      [NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'], [1e39, 'Infinity'], [-1.17549435e-38, '-1.17549435e-38'],
      [0.5, '0.5'], [-1, '-1.0'], [999999.94, '999999.938'], [0.99999994, '0.99999994'], [123456, '123456.0'], [1e-7, '1e-07'],
    ];
    for (const [x, t] of cases) expect([x, text(x)]).toEqual([x, t]);
  });

  it('matches formatFloat32 on random float32 bit patterns and on every float in chosen ranges', () => {
    const random = mulberry32(13);
    const mismatches: string[] = [];
    const check = (f: number) => {
      const got = text(f);
      if (got !== formatFloat32(f)) mismatches.push(`${f}: ${got} vs ${formatFloat32(f)}`);
    };
    for (let i = 0; i < 200_000; i++) check(fromBits(Math.floor(random() * 2 ** 32)));
    // Dense runs of consecutive floats around powers of ten, where digit counts and exponents change.
    for (let p = -8; p <= 7; p++) {
      bits.setFloat32(0, 10 ** p);
      const at = bits.getUint32(0);
      for (let d = -3000; d <= 3000; d++) check(fromBits(at + d));
    }
    // Dense runs around powers of two (the fast path's binary exponents and its ends, 2^-23 and
    // 2^20), where the float spacing halves below and the decimal exponent is looked up anew.
    for (let n = -26; n <= 22; n++) {
      bits.setFloat32(0, 2 ** n);
      const at = bits.getUint32(0);
      for (let d = -500; d <= 500; d++) check(fromBits(at + d));
    }
    // Uniform values in [-1, 1), as MLP outputs are.
    for (let i = 0; i < 200_000; i++) check(Math.fround(random() * 2 - 1));
    expect(mismatches.slice(0, 10)).toEqual([]);
  });
});
