import { describe, expect, it } from 'vitest';
import { decodeBase64Text, encodeBase64Text } from './base64.ts';

describe('base64', () => {
  it('encodes UTF-8 bytes with padding', () => {
    expect(['', 'f', 'fo', 'foo', 'foob', 'é', '😀'].map(encodeBase64Text)).toEqual(['', 'Zg==', 'Zm8=', 'Zm9v', 'Zm9vYg==', 'w6k=', '8J+YgA==']);
  });

  it('decodes padded, unpadded and whitespace-broken input', () => {
    expect(['Zm9vYg==', 'Zm9vYg', 'Zm9v\nYg ==', '', 'w6k='].map(decodeBase64Text)).toEqual(['foob', 'foob', 'foob', '', 'é']);
  });

  it('rejects invalid input', () => {
    for (const bad of ['Z', 'Zm9vY', 'Zg=', 'Zg===', 'Z=g=', 'Zm9v!', '====', 'Zm-_', 'Zé==']) {
      expect(decodeBase64Text(bad), bad).toBeNull();
    }
  });

  it('skips exactly the ASCII whitespace absl skips: space, tab, LF, VT, FF, CR', () => {
    for (const ws of [' ', '\t', '\n', '\v', '\f', '\r', '\r\n']) {
      expect(decodeBase64Text(`Zm9v${ws}Yg${ws}==`), JSON.stringify(ws)).toBe('foob');
    }
  });

  it('rejects control characters that are not whitespace, and non-ASCII characters', () => {
    for (const bad of ['Zm9v\u0000', 'Zm9v\u0008', 'Zm9v\u000e', 'Zm9v\u001f', 'Zm9v\u007f', 'Zm9v\u0080', '\u0080AAA']) {
      expect(decodeBase64Text(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it('round-trips text', () => {
    const text = Array.from({ length: 1000 }, (_, i) => String.fromCodePoint((i * 7919) % 0xd7ff)).join('');
    expect(decodeBase64Text(encodeBase64Text(text))).toBe(text);
  });
});
