import { formatFloat32, roundTrips6 } from './float-format.ts';

/**
 * formatFloat32's text (TF Serving's float, float-format.ts) written as ASCII bytes straight into
 * `out` at `pos`; returns the position after it. `out` must have 16 bytes free (the longest text,
 * "-1.17549435e-38", is 15). The hot path of every float32 JSON response, so it avoids strings:
 *
 * For 1e-7 <= |x| < 1e6, |x| x 10^k with 0 <= k <= 12 is exact in a double (a float32 mantissa
 * has 24 bits and 5^12 < 2^29), so the %.6g and %.9g digits are that product rounded to an
 * integer, nearest with ties to even, exactly as glibc's printf rounds. The 6-digit candidate
 * is kept when it reads back as the same float32 (roundTrips6). Everything else (NaN, infinities,
 * tiny or huge values, 9 digits below 1e-4, a read-back on a float32 midpoint) takes the
 * string path, formatFloat32, which is exact everywhere.
 */
export function writeFloat32(out: Uint8Array, pos: number, x: number): number {
  const f = Math.fround(x);
  if (f !== f || f === Infinity || f === -Infinity) return writeAscii(out, pos, formatFloat32(f));
  let a = f;
  if (f < 0 || (f === 0 && 1 / f < 0)) {
    out[pos++] = 45; // '-'
    a = -f;
  }
  if (a === 0) {
    out[pos] = 48;
    out[pos + 1] = 46;
    out[pos + 2] = 48;
    return pos + 3;
  }
  if (a >= 1e-7 && a < 1e6) {
    let e = Math.floor(Math.log10(a)); // 10^e <= a < 10^(e+1), after the check below
    if (a * P10[5 - e] >= 1e6) e++;
    else if (a * P10[5 - e] < 1e5) e--;
    const k = 5 - e;
    if (k >= 0 && k <= 12) {
      let m = roundEven(a * P10[k]);
      let x6 = e;
      if (m === 1e6) (m = 1e5), (x6 += 1);
      const trip = roundTrips6(m, x6 - 5, a);
      if (trip === true) return writeG(out, pos, m, 6, x6);
      if (trip === false && k + 3 <= 12) {
        let m9 = roundEven(a * P10[k + 3]);
        let x9 = e;
        if (m9 === 1e9) (m9 = 1e8), (x9 += 1);
        return writeG(out, pos, m9, 9, x9);
      }
    }
  }
  return writeAscii(out, pos, formatFloat32(a));
}

/** An ASCII string's bytes at pos; returns the position after them. */
export function writeAscii(out: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[pos++] = s.charCodeAt(i);
  return pos;
}

const P10 = Array.from({ length: 19 }, (_, i) => 10 ** i);
const DIGITS = new Uint8Array(10);

/** v (exact, below 2^31) rounded to an integer, ties to even. */
function roundEven(v: number): number {
  const m = Math.floor(v);
  const r = v - m;
  return r > 0.5 || (r === 0.5 && (m & 1) === 1) ? m + 1 : m;
}

/** C's %.{p}g of the p-digit integer mantissa m (m.mmm x 10^x), plus ".0" when it has neither '.' nor 'e'. */
function writeG(out: Uint8Array, pos: number, m: number, p: number, x: number): number {
  while (m % 10 === 0) m /= 10;
  let n = 0;
  for (; m > 0; m = (m / 10) | 0) DIGITS[n++] = 48 + (m % 10); // reversed
  if (x < -4 || x >= p) {
    out[pos++] = DIGITS[n - 1];
    if (n > 1) {
      out[pos++] = 46;
      for (let i = n - 2; i >= 0; i--) out[pos++] = DIGITS[i];
    }
    out[pos++] = 101; // 'e'
    out[pos++] = x < 0 ? 45 : 43;
    const ax = x < 0 ? -x : x;
    if (ax >= 10) out[pos++] = 48 + ((ax / 10) | 0);
    else out[pos++] = 48;
    out[pos++] = 48 + (ax % 10);
    return pos;
  }
  if (x < 0) {
    out[pos++] = 48;
    out[pos++] = 46;
    for (let i = -x - 1; i > 0; i--) out[pos++] = 48;
    for (let i = n - 1; i >= 0; i--) out[pos++] = DIGITS[i];
    return pos;
  }
  if (n <= x + 1) {
    for (let i = n - 1; i >= 0; i--) out[pos++] = DIGITS[i];
    for (let i = x + 1 - n; i > 0; i--) out[pos++] = 48;
    out[pos++] = 46;
    out[pos++] = 48;
    return pos;
  }
  for (let i = n - 1; i >= 0; i--) {
    out[pos++] = DIGITS[i];
    if (i === n - 1 - x) out[pos++] = 46;
  }
  return pos;
}
