import { formatFloat32 } from './float-format.ts';

/**
 * formatFloat32's text (TF Serving's float, docs/tf-serving-compat.md 9.2) written as ASCII bytes
 * straight into `out` at `pos`; returns the position after it. `out` must have 16 bytes free (the
 * longest text, "-1.17549435e-38", is 15). The hot path of every float32 JSON response, so it
 * avoids strings and logarithms, and branches that depend on the value where it can:
 *
 * For a float32 a with 2^-23 <= a < 1e6 the decimal exponent e (10^e <= a < 10^(e+1)) comes
 * from a's binary exponent and one integer comparison. p = a x 10^(5-e) is then exact in a
 * double (a float32 mantissa has 24 bits and 5^12 < 2^29), so the %.6g digits are p rounded to
 * an integer m, ties to even as glibc's printf rounds, and m x 10^(e-5) reads back as a (C's
 * strtof, correctly rounded) exactly when m - p, also exact, is under half the gap to a's
 * neighbour on that side, scaled the same way. Otherwise the %.9g digits are p x 1000 rounded,
 * exact while e >= -4. Everything else (NaN, infinities, zero, tiny or huge values, 9 digits
 * below 1e-4) takes the string path, formatFloat32, which is exact everywhere.
 */
export function writeFloat32(out: Uint8Array, pos: number, x: number): number {
  F32[0] = x;
  const bits = I32[0];
  const eb = (bits >>> 23) & 0xff; // the biased binary exponent: 2^(eb-127) <= a < 2^(eb-126)
  if (eb === 0xff) return writeAscii(out, pos, formatFloat32(x)); // NaN, ±Infinity: no '-' of their own
  out[pos] = 45; // '-', kept by the sign bit (-0 too); no branch, as signs are random in model outputs
  pos += bits >>> 31;
  const a = Math.abs(F32[0]);
  if (eb >= EB_LOW && eb <= EB_HIGH) {
    const i = eb - EB_LOW;
    // E10_LOW, plus 1 when a's bits are at least TEN_ABOVE_BITS (the sign of their difference)
    const e = E10_LOW[i] + ((TEN_ABOVE_BITS[i] - 1 - (bits & 0x7fffffff)) >>> 31);
    if (e <= 5) {
      const k = 5 - e;
      const p = a * P10[k];
      const m = p + ROUND - ROUND;
      // Half the gap to the next float32 up (h) and down (hb: a power of two has half the gap
      // below), in p's units. A 6-digit decimal below 1e6 is no binary fraction or one of at most
      // 20 significant bits, and a midpoint between float32s has 25, so d never equals h or -hb:
      // m reads back as a exactly when -hb < d < h, tested as the sign of one product (a branch
      // on d's own sign, random from value to value, costs more).
      const h = HALF_ULP[i] * P10[k];
      const d = m - p;
      const hb = (bits & 0x7fffff) === 0 ? h * 0.5 : h;
      if ((d - h) * (d + hb) < 0) {
        return m === 1e6 ? writeG(out, pos, 1e5, 6, e + 1) : writeG(out, pos, m, 6, e);
      }
      if (e >= -4) {
        const m9 = p * 1000 + ROUND - ROUND;
        return m9 === 1e9 ? writeG(out, pos, 1e8, 9, e + 1) : writeG(out, pos, m9, 9, e);
      }
    }
  }
  if (a === 0) {
    out[pos] = 48;
    out[pos + 1] = 46;
    out[pos + 2] = 48;
    return pos + 3;
  }
  return writeAscii(out, pos, formatFloat32(a));
}

/** An ASCII string's bytes at pos; returns the position after them. */
export function writeAscii(out: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[pos++] = s.charCodeAt(i);
  return pos;
}

/** x's float32 bits, read through one shared buffer. */
const F32 = new Float32Array(1);
const I32 = new Int32Array(F32.buffer);

/** v + ROUND - ROUND is v rounded to an integer, ties to even (the FPU's rounding), for 0 <= v < 2^52. */
const ROUND = 2 ** 52;

const P10 = Array.from({ length: 13 }, (_, i) => 10 ** i);

/**
 * The binary exponents of the fast path, 2^-23 (1.2e-7) to 2^19 (binade up to 1048576, e <= 5
 * checked after), and per exponent: E10_LOW, the decimal exponent of the binade's start, floor
 * (log10 2^n); TEN_ABOVE_BITS, the bits of the least float32 >= 10^(E10_LOW + 1), the one decimal
 * boundary a binade can hold (it spans a factor 2), so that a >= 10^(E10_LOW + 1) is an integer
 * comparison of bits (positive floats order as their bits do). No float32 equals a negative power
 * of ten's double, so comparing with the double decides as the exact power would. HALF_ULP: half
 * the float32 spacing in the binade, 2^(n-24).
 */
const EB_LOW = 127 - 23;
const EB_HIGH = 127 + 19;
const E10_LOW = Int8Array.from({ length: EB_HIGH - EB_LOW + 1 }, (_, i) =>
  Math.floor(Math.log10(2 ** (i + EB_LOW - 127))),
);
const TEN_ABOVE_BITS = Int32Array.from(E10_LOW, (e) => {
  F32[0] = 10 ** (e + 1);
  return F32[0] < 10 ** (e + 1) ? I32[0] + 1 : I32[0];
});
const HALF_ULP = Float64Array.from(E10_LOW, (_, i) => 2 ** (i + EB_LOW - 127 - 24));

/** "00" to "99" as ASCII pairs. */
const PAIRS = Uint8Array.from({ length: 200 }, (_, i) => 48 + (i & 1 ? (i >> 1) % 10 : ((i >> 1) / 10) | 0));

/**
 * C's %.{p}g of the p-digit integer mantissa m (m.mmm x 10^x), plus ".0" when it has neither '.'
 * nor 'e': all p digits written in place, then the trailing zeros cut. The exponent form is the
 * fixed form of m.mmm (fx = 0) followed by "e±XX".
 */
function writeG(out: Uint8Array, pos: number, m: number, p: number, x: number): number {
  const sci = x < -4 || x >= p;
  const fx = sci ? 0 : x;
  let end: number;
  if (fx < 0) {
    // 0.000ddd: "0.000" holds "0." and up to three zeros (fx >= -4); the digits overwrite the
    // zeros there are too many of. The first digit is not 0, so the cut stops at a digit.
    out[pos] = 48;
    out[pos + 1] = 46;
    out[pos + 2] = 48;
    out[pos + 3] = 48;
    out[pos + 4] = 48;
    end = pos + 1 - fx + p;
    writeDigits(out, end, m, p);
    while (out[end - 1] === 48) end--;
    return end;
  }
  // ddd.ddd: fx + 1 integer digits, the point, f fraction digits. m / 10^f rounds to the right
  // integer: m < 2^30 leaves its quotient more than a double's rounding error from the next one.
  const f = p - 1 - fx;
  const int = (m / P10[f]) | 0;
  writeDigits(out, pos + fx + 1, int, fx + 1);
  out[pos + fx + 1] = 46;
  end = pos + p + 1;
  writeDigits(out, end, m - int * P10[f], f);
  while (out[end - 1] === 48) end--;
  if (out[end - 1] === 46) {
    if (sci) end--; // "1e+06": %g drops a bare point
    else out[end++] = 48; // "3.0": TF's ".0" rule
  }
  if (sci) {
    out[end++] = 101; // 'e'
    out[end++] = x < 0 ? 45 : 43;
    const ax = x < 0 ? -x : x; // at most 38 for a float32: always two digits
    out[end++] = 48 + ((ax / 10) | 0);
    out[end++] = 48 + (ax % 10);
  }
  return end;
}

/** The `count` decimal digits of m (below 2^31), leading zeros included, ending before `end`; two at a time. */
function writeDigits(out: Uint8Array, end: number, m: number, count: number): void {
  let n = m | 0;
  for (; count >= 2; count -= 2) {
    const q = (n / 100) | 0;
    const r = (n - q * 100) << 1;
    out[--end] = PAIRS[r + 1];
    out[--end] = PAIRS[r];
    n = q;
  }
  if (count === 1) out[end - 1] = 48 + n;
}
