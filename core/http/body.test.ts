import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readBodyBytes, readBodyText } from './body.ts';
import { fromFetch, PayloadTooLargeError } from './exchange.ts';

const request = (body: BodyInit | null, encoding?: string) =>
  fromFetch(new Request('http://x/v1/models/m:predict', { method: 'POST', body, headers: encoding ? { 'content-encoding': encoding } : {} }));
const gz = (text: string) => new Uint8Array(gzipSync(text));

describe('readBodyText / readBodyBytes', () => {
  it('reads a plain body, and an absent one as empty', async () => {
    expect(await readBodyText(request('{"instances": [1]}'), 1024)).toBe('{"instances": [1]}');
    expect(await readBodyBytes(request(null), 1024)).toEqual(new Uint8Array(0));
  });

  it('gunzips when Content-Encoding names gzip, in any case', async () => {
    expect(await readBodyText(request(gz('{"a": 1}'), 'gzip'), 1024)).toBe('{"a": 1}');
    expect(await readBodyText(request(gz('{"a": 1}'), 'GZIP'), 1024)).toBe('{"a": 1}');
  });

  it('caps the size: a body at the limit passes, one byte more is PayloadTooLargeError', async () => {
    expect((await readBodyBytes(request('x'.repeat(100)), 100)).byteLength).toBe(100);
    const err = await readBodyBytes(request('x'.repeat(101)), 100).catch((e) => e);
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect(err).toMatchObject({ code: 'RESOURCE_EXHAUSTED', message: 'Request body is larger than the limit of 100 bytes' });
  });

  it('caps the decompressed size: a small gzip bomb stops at the limit', async () => {
    const bomb = new Uint8Array(gzipSync(new Uint8Array(64 * 1024 * 1024)));
    expect(bomb.byteLength).toBeLessThan(128 * 1024);
    await expect(readBodyBytes(request(bomb, 'gzip'), 1024 * 1024)).rejects.toBeInstanceOf(PayloadTooLargeError);
  });

  it('bad gzip is INVALID_ARGUMENT with a fixed message; the decoder error is kept as cause', async () => {
    const err = await readBodyText(request('not gzip at all', 'gzip'), 1024).catch((e) => e);
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'Request body is not valid gzip' });
    expect(err.cause).toBeDefined();
    const truncated = gz('{"instances": [1, 2, 3]}').slice(0, 12);
    await expect(readBodyText(request(truncated, 'gzip'), 1024)).rejects.toMatchObject({ message: 'Request body is not valid gzip' });
  });

  it('a client stream that fails is INVALID_ARGUMENT with a fixed message; the stream error is kept as cause', async () => {
    const failure = new Error('socket hang up');
    const body = new ReadableStream<Uint8Array>({ pull: (c) => c.error(failure) });
    const req = fromFetch(new Request('http://x/v1/models/m:predict', { method: 'POST', body, duplex: 'half' } as RequestInit));
    const err = await readBodyBytes(req, 1024).catch((e) => e);
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'Could not read the request body' });
    expect(err.cause).toBe(failure);
  });

  it('other encodings are read as they are (not decoded)', async () => {
    expect(await readBodyText(request('plain', 'identity'), 1024)).toBe('plain');
    expect(await readBodyText(request('plain', 'br'), 1024)).toBe('plain');
  });
});
