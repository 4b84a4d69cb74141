/**
 * Float text exactly as TF Serving writes it (tfs-api.md 9.2), plus IEEE half conversions.
 * TF prints C's `%.6g`; if that does not parse back to the same float (double) it prints `%.9g`
 * (`%.17g`); then appends ".0" when there is neither '.' nor 'e'. JS's toPrecision rounds exact
 * ties up where printf rounds them to even, so digits are rounded here, with exact arithmetic on
 * ties.
 */

/** A positive decimal d.ddd × 10^exp; `digits` holds every significant digit. */
interface Decimal {
  digits: string;
  exp: number;
}

/**
 * The text TF Serving writes for a DT_FLOAT value. `x` is rounded to float32 first, so a float32
 * read from a Float32Array prints exactly: 0.1f -> "0.1", pi -> "3.14159274", 9e6 -> "9e+06".
 */
export function formatFloat32(x: number): string {
  const f = Math.fround(x);
  return fastFloat32(f) ?? format(f, 10, 9, (s) => Math.fround(Number(s)) === Math.abs(f));
}

/**
 * The same text from one native, correctly rounded toExponential(9) (10 significant digits),
 * several times faster: this is the hot path of every float32 response. Both %g precisions are
 * rounded from those 10 digits; that is exact except where the 10 digits cannot tell which way
 * the true value rounds (a 10th digit of 5 for 9 digits, digits 7-10 of "5000" for 6), and those
 * rare values take the exact path (null). A 6-digit tie never round-trips for a float32, so
 * rounding ties up there is harmless.
 */
function fastFloat32(f: number): string | null {
  if (f !== f || f === Infinity || f === -Infinity) return null;
  const a = Math.abs(f);
  const e = a.toExponential(9);
  const cut = e.indexOf('e');
  if (e.charCodeAt(cut - 1) === 0x35) return null;
  const ten = e[0] + e.slice(2, cut);
  const exp = Number(e.slice(cut + 1));
  const tail = ten.slice(6);
  if (tail === '5000') return null;
  let d = roundDigits(ten, exp, 6, tail > '5000');
  let p = 6;
  if (Math.fround(Number(`${d.digits}e${d.exp - 5}`)) !== a) {
    d = roundDigits(ten, exp, 9, ten.charCodeAt(9) > 0x35);
    p = 9;
  }
  let s = printfG(d, p);
  if (s.indexOf('.') < 0 && s.indexOf('e') < 0) s += '.0';
  return f < 0 || Object.is(f, -0) ? '-' + s : s;
}

/** The text TF Serving writes for a DT_DOUBLE value: 0.1 -> "0.1", 1/3 -> "0.33333333333333331". */
export function formatFloat64(x: number): string {
  return format(x, 18, 17, (s) => Number(s) === Math.abs(x));
}

/** The first p of `digits` (d.ddd x 10^exp), plus one in the last place when `up`. */
function roundDigits(digits: string, exp: number, p: number, up: boolean): Decimal {
  const head = digits.slice(0, p);
  if (!up) return { digits: head, exp };
  let k = p - 1;
  while (k >= 0 && head.charCodeAt(k) === 0x39) k--;
  if (k < 0) return { digits: '1'.padEnd(p, '0'), exp: exp + 1 };
  return { digits: head.slice(0, k) + String.fromCharCode(head.charCodeAt(k) + 1).padEnd(p - k, '0'), exp };
}

function format(x: number, probeDigits: number, fullDigits: number, roundTrips: (s: string) => boolean): string {
  if (x !== x) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const a = Math.abs(x);
  // One correctly rounded conversion with more digits than either precision needs; both %g forms
  // are derived from it.
  const probe = exponential(a, probeDigits);
  let s = printfG(roundTo(a, probe, 6), 6);
  if (!roundTrips(s)) s = printfG(roundTo(a, probe, fullDigits), fullDigits);
  if (s.indexOf('.') < 0 && s.indexOf('e') < 0) s += '.0';
  return sign + s;
}

function exponential(a: number, n: number): Decimal {
  const s = a.toExponential(n - 1);
  const e = s.indexOf('e');
  return { digits: s[0] + s.slice(2, e), exp: Number(s.slice(e + 1)) };
}

/**
 * Rounds `d` (a correctly rounded decimal of `a` with more than p digits) to p digits, nearest
 * with exact ties to even, as glibc printf does. Only a dropped part of exactly "50...0" is
 * ambiguous (a was a tie, or was just above or below one); it is settled by exact comparison.
 */
function roundTo(a: number, d: Decimal, p: number): Decimal {
  const head = d.digits.slice(0, p);
  const rest = d.digits.slice(p);
  const half = '5'.padEnd(rest.length, '0');
  let up = rest > half;
  if (rest === half) {
    const c = compareExact(a, head + '5', d.exp);
    up = c > 0 || (c === 0 && (head.charCodeAt(p - 1) & 1) === 1);
  }
  return roundDigits(d.digits, d.exp, p, up);
}

const bits = new DataView(new ArrayBuffer(8));

/** Sign of a - D × 10^(exp - len(D) + 1), computed exactly. */
function compareExact(a: number, digits: string, exp: number): number {
  bits.setFloat64(0, a);
  const hi = bits.getUint32(0);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(bits.getUint32(4));
  if (biased !== 0) mant |= 1n << 52n;
  const e2 = biased === 0 ? -1074 : biased - 1075;
  const e10 = exp - digits.length + 1;
  let left = mant; // a = mant × 2^e2
  let right = BigInt(digits); // D × 10^e10
  if (e2 >= 0) left <<= BigInt(e2);
  else right <<= BigInt(-e2);
  if (e10 >= 0) right *= 10n ** BigInt(e10);
  else left *= 10n ** BigInt(-e10);
  return left > right ? 1 : left < right ? -1 : 0;
}

/** C's %.{p}g of a p-digit decimal: exponent form when exp < -4 or exp >= p, trailing zeros cut. */
function printfG(d: Decimal, p: number): string {
  let end = d.digits.length;
  while (end > 1 && d.digits.charCodeAt(end - 1) === 0x30) end--;
  const digits = d.digits.slice(0, end);
  const x = d.exp;
  if (x < -4 || x >= p) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const ax = Math.abs(x);
    return `${mantissa}e${x < 0 ? '-' : '+'}${ax < 10 ? '0' : ''}${ax}`;
  }
  if (x < 0) return `0.${'0'.repeat(-x - 1)}${digits}`;
  if (digits.length <= x + 1) return digits + '0'.repeat(x + 1 - digits.length);
  return `${digits.slice(0, x + 1)}.${digits.slice(x + 1)}`;
}

/** IEEE 754 half (as its 16 bits) to a number; exact. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m === 0 ? sign * Infinity : NaN;
  return sign * (1024 + m) * 2 ** (e - 25);
}

/**
 * A number to the bits of the nearest IEEE half (ties to even), rounding once from the double:
 * overflow gives ±Infinity, NaN gives the quiet NaN 0x7e00, tiny values go subnormal or ±0.
 */
export function floatToHalf(x: number): number {
  if (x !== x) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  // 65520 is halfway between the largest half (65504) and 2^16; ties-to-even goes up to Infinity.
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24); // subnormal; 1024 is the first normal
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  // Scaling by a power of two is exact; a carry to 2048 moves into the next exponent by itself.
  return sign | (((e + 15) << 10) + roundHalfEven(a * 2 ** (10 - e)) - 1024);
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const r = v - f;
  return r > 0.5 || (r === 0.5 && (f & 1) === 1) ? f + 1 : f;
}
