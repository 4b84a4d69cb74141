/**
 * Float text exactly as TF Serving writes it (docs/tf-serving-compat.md 9.2), plus IEEE half conversions.
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
 * several times faster: this is the hot path of every float32 response, so it works on char codes
 * and integers. Both %g precisions are rounded from those 10 digits (13 when the 10th is a 5);
 * that is exact except where the digits cannot tell which way the true value rounds (digits 7-10
 * of "5000" for 6 digits, 10-13 of "5000" for 9), and those rare values take the exact path (null).
 * A 6-digit tie never round-trips for a float32, so rounding ties up there is harmless.
 */
function fastFloat32(f: number): string | null {
  if (f !== f || f === Infinity || f === -Infinity) return null;
  const a = f < 0 ? -f : f;
  const sign = f < 0 || (f === 0 && 1 / f < 0) ? '-' : '';
  if (a === 0) return sign + '0.0';
  const e = a.toExponential(9); // "d.ddddddddde+X": digits at 0 and 2..10
  const exp = exponentOf(e, 12);
  const tail = digit(e, 7) * 1000 + digit(e, 8) * 100 + digit(e, 9) * 10 + digit(e, 10);
  if (tail === 5000) return null;
  let m6 = digit(e, 0) * 100000 + digit(e, 2) * 10000 + digit(e, 3) * 1000 + digit(e, 4) * 100 + digit(e, 5) * 10 + digit(e, 6);
  let x6 = exp;
  if (tail > 5000 && ++m6 === 1000000) (m6 = 100000), (x6 += 1);
  const trip = roundTrips6(m6, x6 - 5, a);
  if (trip === null) return null;
  if (trip) return sign + printfInt(m6, 6, x6);
  // A 10th digit of 5 cannot tell which way 9 digits round: look at 13 digits instead.
  const f9 = digit(e, 10) === 5 ? a.toExponential(12) : e;
  const tail9 = f9 === e ? digit(e, 10) * 1000 : digit(f9, 10) * 1000 + digit(f9, 11) * 100 + digit(f9, 12) * 10 + digit(f9, 13);
  if (tail9 === 5000) return null;
  let m9 = digit(f9, 0);
  for (let i = 2; i <= 9; i++) m9 = m9 * 10 + digit(f9, i);
  let x9 = f9 === e ? exp : exponentOf(f9, 15);
  if (tail9 > 5000 && ++m9 === 1000000000) (m9 = 100000000), (x9 += 1);
  return sign + printfInt(m9, 9, x9);
}

function digit(s: string, i: number): number {
  return s.charCodeAt(i) - 48;
}

/** The exponent of toExponential's text, whose sign stands at `at` ("e+12", "e-7"). */
function exponentOf(s: string, at: number): number {
  let x = 0;
  for (let i = at + 1; i < s.length; i++) x = x * 10 + digit(s, i);
  return s.charCodeAt(at) === 45 ? -x : x;
}

/**
 * Whether m x 10^k reads back as float32 `a`, without parsing text: with |k| <= 22 both operands
 * are exact, so one multiply or divide gives the correctly rounded double v; rounding v to float32
 * is then right unless v sits exactly halfway between two floats, where the decimal's true side is
 * lost. Those cases, and larger exponents, answer null (take the exact path).
 */
export function roundTrips6(m: number, k: number, a: number): boolean | null {
  if (k > 22 || k < -22) return null;
  const v = k >= 0 ? m * POW10[k] : m / POW10[-k];
  const r = Math.fround(v);
  if (r !== v && Math.fround(2 * v - r) === 2 * v - r) return null;
  return r === a;
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** printfG (and the ".0" rule) for a p-digit integer mantissa m (m.mmm x 10^x), m > 0. */
function printfInt(m: number, p: number, x: number): string {
  while (m % 10 === 0) m /= 10;
  const ds = String(m);
  if (x < -4 || x >= p) {
    const ax = x < 0 ? -x : x;
    return `${ds.length > 1 ? `${ds[0]}.${ds.slice(1)}` : ds}e${x < 0 ? '-' : '+'}${ax < 10 ? '0' : ''}${ax}`;
  }
  if (x < 0) return `0.${'0'.repeat(-x - 1)}${ds}`;
  if (ds.length <= x + 1) return `${ds}${'0'.repeat(x + 1 - ds.length)}.0`;
  return `${ds.slice(0, x + 1)}.${ds.slice(x + 1)}`;
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
