import { describe, expect, it } from 'vitest';
import { parseByteCount } from './byte-count.ts';

describe('parseByteCount', () => {
  it('reads plain numbers and decimal or binary units, case-insensitively', () => {
    expect(parseByteCount('1073741824')).toBe(1073741824);
    expect(parseByteCount('512MiB')).toBe(512 * 1024 ** 2);
    expect(parseByteCount('2GB')).toBe(2e9);
    expect(parseByteCount('1.5 kb')).toBe(1500);
    expect(parseByteCount('3b')).toBe(3);
    expect(parseByteCount('0')).toBe(0);
    expect(parseByteCount('1.9')).toBe(1);
  });

  it('gives NaN for anything else', () => {
    for (const text of ['', 'MiB', '-1', '1 TB', '1e9', ' 1', 'ten', '99999999999999999999']) expect(parseByteCount(text), text).toBeNaN();
  });
});
