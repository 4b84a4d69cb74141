import { describe, expect, it } from 'vitest';
import { servingErrorMessage } from '../../../test/support/thrown.ts';
import { decodeBase64Object, INT_RANGES, leafWriter } from './leaf.ts';
import type { JsonObject } from './value.ts';

const b64 = (text: string): JsonObject => new Map([['b64', text]]);

describe('INT_RANGES', () => {
  it('holds the inclusive range of every integer dtype', () => {
    expect(INT_RANGES).toEqual({
      int8: [-128n, 127n],
      int16: [-32768n, 32767n],
      int32: [-2147483648n, 2147483647n],
      int64: [-9223372036854775808n, 9223372036854775807n],
      uint8: [0n, 255n],
      uint16: [0n, 65535n],
      uint32: [0n, 4294967295n],
      uint64: [0n, 18446744073709551615n],
    });
  });
});

describe('decodeBase64Object', () => {
  it('reads the decoded bytes as UTF-8 text unless asked for bytes', () => {
    // 0xff 0x41: not UTF-8, so text mode gives U+FFFD for the 0xff; bytes mode keeps one char per byte.
    expect(decodeBase64Object(b64('/0E='))).toBe('\ufffdA');
    expect(decodeBase64Object(b64('/0E='), true)).toBe('\u00ffA');
  });

  it('refuses invalid base64 with INVALID_ARGUMENT in both modes', () => {
    expect(servingErrorMessage(() => decodeBase64Object(b64('a*b=')))).toBe('Unable to base64 decode');
    expect(servingErrorMessage(() => decodeBase64Object(b64('a*b='), true))).toBe('Unable to base64 decode');
  });
});

describe('int64 and uint64 leaves', () => {
  it('take integer literals only: a numeric string, a fraction or a bool is the wrong type, as in TF Serving', () => {
    for (const dtype of ['int64', 'uint64'] as const) {
      const write = (v: unknown) => () => leafWriter(dtype)(v as never, dtype === 'int64' ? new BigInt64Array(1) : new BigUint64Array(1), 0);
      expect(servingErrorMessage(write('12'))).toBe(`JSON Value: "12" Type: String is not of expected type: ${dtype}`);
      expect(servingErrorMessage(write(1.5))).toBe(`JSON Value: 1.5 Type: Number is not of expected type: ${dtype}`);
      expect(servingErrorMessage(write(true))).toBe(`JSON Value: true Type: True is not of expected type: ${dtype}`);
    }
  });
});
