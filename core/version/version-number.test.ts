import { describe, expect, it } from 'vitest';
import { clampVersion } from './version-number.ts';

describe('clampVersion', () => {
  const max = Number.MAX_SAFE_INTEGER;

  it('keeps safe integers, from bigints and numbers alike', () => {
    expect(clampVersion(0n)).toBe(0);
    expect(clampVersion(12n)).toBe(12);
    expect(clampVersion(-3n)).toBe(-3);
    expect(clampVersion(7)).toBe(7);
    expect(clampVersion(BigInt(max))).toBe(max);
    expect(clampVersion(-BigInt(max))).toBe(-max);
  });

  it('clamps past 2^53 to the largest safe integer, keeping the sign', () => {
    expect(clampVersion(BigInt(max) + 1n)).toBe(max);
    expect(clampVersion(0x7fffffffffffffffn)).toBe(max);
    expect(clampVersion(-(2n ** 63n))).toBe(-max);
    expect(clampVersion(2 ** 60)).toBe(max);
  });
});
