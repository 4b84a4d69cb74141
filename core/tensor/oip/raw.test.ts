import { describe, expect, it } from 'vitest';
import { servingErrorMessage } from '../../../test/support/thrown.ts';
import type { DType } from '../tensor.ts';
import { itemBytes, tensorFromRaw, tensorToRaw } from './raw.ts';

const ascii = (s: string) => [...new TextEncoder().encode(s)];
/** BYTES raw data: each element's 4-byte little-endian length, then its bytes. */
const prefixed = (...elements: string[]) => Uint8Array.from(elements.flatMap((e) => [ascii(e).length, 0, 0, 0, ...ascii(e)]));

describe('itemBytes', () => {
  it.each([
    ['float32', 4], ['float64', 8], ['float16', 2], ['int8', 1], ['int16', 2], ['int32', 4],
    ['int64', 8], ['uint8', 1], ['uint16', 2], ['uint32', 4], ['uint64', 8], ['bool', 1],
  ] as const)('%s elements take %d bytes', (dtype, size) => {
    expect(itemBytes(dtype)).toBe(size);
  });
});

describe('fixed-width raw data', () => {
  it('is little-endian both ways', () => {
    const cases: [DType, number[], number[]][] = [
      ['float32', [0, 0, 0x80, 0x3f], [1]],
      ['int16', [0x01, 0x80], [-32767]],
      ['uint32', [0x04, 0x03, 0x02, 0x01], [0x01020304]],
    ];
    for (const [dtype, raw, values] of cases) {
      const t = tensorFromRaw('x', dtype, [1], Uint8Array.from(raw));
      expect(Array.from(t.data as ArrayLike<number>)).toEqual(values);
      expect(Array.from(tensorToRaw(t))).toEqual(raw);
    }
    const big = tensorFromRaw('x', 'int64', [1], Uint8Array.from([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    expect(big.data).toEqual(new BigInt64Array([-2n]));
  });

  it('refuses a length that does not fit the shape, naming the input, the shape and what it needs', () => {
    expect(servingErrorMessage(() => tensorFromRaw('x', 'float32', [2, 3], new Uint8Array(20)))).toBe(
      'input x: 20 bytes of raw data, but shape [2,3] of float32 needs 24',
    );
  });

  it('takes BOOL bytes 0 and 1 and refuses any other byte among them', () => {
    expect(tensorFromRaw('b', 'bool', [3], Uint8Array.from([0, 1, 1])).data).toEqual(new Uint8Array([0, 1, 1]));
    for (const raw of [[1, 2], [2, 0], [0, 255]]) {
      expect(servingErrorMessage(() => tensorFromRaw('b', 'bool', [2], Uint8Array.from(raw)))).toBe('input b: BOOL raw data holds bytes other than 0 and 1');
    }
  });
});

describe('BYTES raw data', () => {
  it('reads an empty last element', () => {
    expect(tensorFromRaw('s', 'string', [2], prefixed('a', '')).data).toEqual(['a', '']);
    expect(tensorFromRaw('s', 'string', [1], prefixed('')).data).toEqual(['']);
  });

  it.each([
    ['stray bytes after the last element', [...prefixed('a'), 0, 0], 1],
    ['a length cut short', [...prefixed('a'), 0, 0], 2],
    ['a length past the end', [5, 0, 0, 0, ...ascii('abc')], 1],
    ['fewer elements than the shape', [...prefixed('a')], 2],
    ['more elements than the shape', [...prefixed('a', 'b')], 1],
  ])('refuses %s', (_, raw, n) => {
    expect(servingErrorMessage(() => tensorFromRaw('s', 'string', [n], Uint8Array.from(raw)))).toBe(
      `input s: BYTES raw data does not hold exactly ${n} length-prefixed elements`,
    );
  });
});
