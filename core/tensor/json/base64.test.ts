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

  it('round-trips text', () => {
    const text = Array.from({ length: 1000 }, (_, i) => String.fromCodePoint((i * 7919) % 0xd7ff)).join('');
    expect(decodeBase64Text(encodeBase64Text(text))).toBe(text);
  });
});
