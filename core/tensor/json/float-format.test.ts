import { describe, expect, it } from 'vitest';
import { floatToHalf, formatFloat32, formatFloat64, halfToFloat, roundTrips6 } from './float-format.ts';

// Expected strings were checked against C printf semantics (Python's %-formatting: correctly
// rounded, exact ties to even), applying TF Serving's algorithm (docs/tf-serving-compat.md 9.2).

describe('formatFloat32', () => {
  it('matches the docs/tf-serving-compat.md 9.2 examples', () => {
    expect(formatFloat32(3)).toBe('3.0');
    expect(formatFloat32(0.1)).toBe('0.1');
    expect(formatFloat32(999999)).toBe('999999.0');
    expect(formatFloat32(9000000)).toBe('9e+06');
    expect(formatFloat32(0.00003)).toBe('3e-05');
    expect(formatFloat32(555557.5)).toBe('555557.5');
    expect(formatFloat32(Math.PI)).toBe('3.14159274');
    expect(formatFloat32(1 / 3)).toBe('0.333333343');
    expect(formatFloat32(1435774336)).toBe('1.43577434e+09');
    expect(formatFloat32(123456792)).toBe('123456792.0');
    expect(formatFloat32(-0)).toBe('-0.0');
  });

  it('writes non-finite values as bare tokens', () => {
    expect([NaN, Infinity, -Infinity].map(formatFloat32)).toEqual(['NaN', 'Infinity', '-Infinity']);
    expect(formatFloat32(1e39)).toBe('Infinity'); // rounds to float first
  });

  it.each([
    [0, '0.0'],
    [0.5, '0.5'],
    [-2.5, '-2.5'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1e10, '1e+10'],
    [1e6, '1e+06'],
    [100000, '100000.0'],
    [1234567, '1234567.0'],
    [16777217, '16777216.0'],
    [65504, '65504.0'],
    [2 ** -13, '0.000122070312'], // %.9g of an exact tie: rounds to even, not up
    [2 ** -20, '9.53674316e-07'],
    [3.4028234663852886e38, '3.40282347e+38'],
    [1.401298464324817e-45, '1.4013e-45'],
  ])('%d -> %s', (x, text) => {
    expect(formatFloat32(x)).toBe(text);
  });

  // Beyond 1e27 and below 1e-17 the 6-digit check cannot be done in doubles, so these take the
  // exact path; a 10th digit of 5 is settled by exact comparison with the true value.
  it.each([
    [4.728608095307907e35, '4.7286081e+35'], // true value above ...0950: rounds up
    [1.0855050352651226e32, '1.08550504e+32'], // above the tie: up
    [5.203816354827893e30, '5.20381635e+30'], // below the tie: down
    [1.5781364845713367e34, '1.57813648e+34'], // below the tie: down
    [1e30, '1e+30'],
    [1e-20, '1e-20'],
    [4.203895392974451e-45, '4.2039e-45'],
  ])('very large and very small floats: %d -> %s', (x, text) => {
    expect(formatFloat32(x)).toBe(text);
  });
});

describe('formatFloat64', () => {
  it('matches the docs/tf-serving-compat.md 9.2 examples', () => {
    expect(formatFloat64(0.1)).toBe('0.1');
    expect(formatFloat64(1 / 3)).toBe('0.33333333333333331');
    expect(formatFloat64(8)).toBe('8.0');
  });

  it.each([
    [10001 / 2 ** 20, '0.0095376968383789062'], // %.17g tie to even
    [2 ** -13, '0.0001220703125'],
    [1e100, '1e+100'],
    [1e-7, '1e-07'],
    [5e-324, '4.94066e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [0.1 + 0.2, '0.30000000000000004'],
    [123456.5, '123456.5'],
    [2 ** 53, '9007199254740992.0'],
    [-0, '-0.0'],
    [NaN, 'NaN'],
    [-Infinity, '-Infinity'],
  ])('%d -> %s', (x, text) => {
    expect(formatFloat64(x)).toBe(text);
  });

  it('writes positive zero without a sign', () => {
    expect(formatFloat64(0)).toBe('0.0');
  });

  it.each([
    [0.3, '0.3'], // 0.29999999999999998890: rounding carries into the first digit
    [0.7, '0.7'],
    [100, '100.0'],
    [123456, '123456.0'],
    [999999, '999999.0'],
    [1e5, '100000.0'],
    [1e6, '1e+06'], // exponent 6 = precision: exponent form
    [1e10, '1e+10'], // two-digit exponents get no leading zero
    [1e-10, '1e-10'],
    [1.5e-5, '1.5e-05'],
    [0.0001, '0.0001'],
    [2.5e-7, '2.5e-07'],
  ])('switches between fixed and exponent form as %%.6g does: %d -> %s', (x, text) => {
    expect(formatFloat64(x)).toBe(text);
  });

  // The 18th digit of these is 5: whether the 17-digit text rounds up depends on the exact value.
  it.each([
    [4.941017e-318, '4.9410171263339296e-318'], // subnormal, above the tie: up
    [4.941294e-318, '4.9412938030956006e-318'], // subnormal, below the tie: down
    [3.414166674843953e18, '3.4141666748439532e+18'], // above 2^53, above the tie: up
    [9.026105120454587e33, '9.0261051204545869e+33'], // up
    [8.280658401754302e26, '8.2806584017543017e+26'], // below the tie: down
    [3.2642496783546906e23, '3.2642496783546906e+23'], // down
  ])('settles a 17-digit near-tie exactly: %d -> %s', (x, text) => {
    expect(formatFloat64(x)).toBe(text);
  });
});

describe('roundTrips6', () => {
  it('says whether m x 10^k reads back as the float32', () => {
    expect(roundTrips6(1, 0, 1)).toBe(true);
    expect(roundTrips6(100000, -5, 1)).toBe(true);
    expect(roundTrips6(100000, -6, Math.fround(0.1))).toBe(true); // 0.1 is not a float32, but its nearest one reads back
    expect(roundTrips6(100001, -6, Math.fround(0.1))).toBe(false);
    expect(roundTrips6(2, 0, 1)).toBe(false);
  });

  it('works out exponents up to 22 either way, and leaves larger ones to the exact path (null)', () => {
    expect(roundTrips6(1, 22, Math.fround(1e22))).toBe(true);
    expect(roundTrips6(1, -22, Math.fround(1e-22))).toBe(true);
    expect(roundTrips6(1, 23, Math.fround(1e23))).toBeNull();
    expect(roundTrips6(1, -23, Math.fround(1e-23))).toBeNull();
  });

  it('leaves a decimal exactly halfway between two floats to the exact path (null)', () => {
    expect(roundTrips6(16777217, 0, 16777216)).toBeNull(); // between 16777216 and 16777218
    expect(roundTrips6(16777217, 0, 16777218)).toBeNull();
  });
});

describe('float16', () => {
  it('converts known values', () => {
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(65519.99)).toBe(0x7bff);
    expect(floatToHalf(65520)).toBe(0x7c00); // halfway to 2^16: ties to even, i.e. Infinity
    expect(floatToHalf(-1e10)).toBe(0xfc00);
    expect(floatToHalf(NaN)).toBe(0x7e00);
    expect(floatToHalf(-0)).toBe(0x8000);
    expect(floatToHalf(2 ** -24)).toBe(0x0001);
    expect(floatToHalf(2 ** -25)).toBe(0x0000); // tie to even
    expect(floatToHalf(3 * 2 ** -25)).toBe(0x0002); // tie to even
    expect(floatToHalf(2 ** -14)).toBe(0x0400);
    expect(floatToHalf(2 ** -14 - 2 ** -25)).toBe(0x0400); // rounds up into the normals
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // tie to even
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie to even
    expect(floatToHalf(0.1)).toBe(0x2e66);
    expect(halfToFloat(0x3555)).toBe(0.333251953125);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
  });

  it.each([
    [0.12499999999999999, 0x3000],
    [7.999999999999999, 0x4800],
    [1023.9999999999999, 0x6400],
    [32767.999999999996, 0x7800],
    [65535.99999999999, 0x7c00],
  ])('rounds the double just below a power of two up to it: %d -> %i', (x, h) => {
    expect(floatToHalf(x)).toBe(h);
  });

  it('round-trips every half value', () => {
    for (let h = 0; h < 0x10000; h++) {
      const x = halfToFloat(h);
      if (Number.isNaN(x)) continue;
      expect(floatToHalf(x)).toBe(h);
    }
  });

  it('rounds to the nearest half', () => {
    for (let h = 0; h < 0x7bff; h += 7) {
      const lo = halfToFloat(h);
      const hi = halfToFloat(h + 1);
      expect(floatToHalf(lo + (hi - lo) * 0.49)).toBe(h);
      expect(floatToHalf(lo + (hi - lo) * 0.51)).toBe(h + 1);
    }
  });
});
