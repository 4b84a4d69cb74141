import { expect, it } from 'vitest';
import { sha256Hex } from '../../core/repository/version-files.ts';
import { nodeSha256 } from './sha256.ts';

it('gives the same hex digest as the WebCrypto default', async () => {
  const bytes = new Uint8Array(1 << 20).map((_, i) => (i * 31) & 255);
  expect(await nodeSha256(bytes)).toBe(await sha256Hex(bytes));
  expect(await nodeSha256(new Uint8Array())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});
