import { describe, expect, it, vi } from 'vitest';
import { fromFetch, PayloadTooLargeError, readCapped, toFetch } from './exchange.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const streamOf = (...chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(bytes(chunk));
      c.close();
    },
  });
/** A POST whose body streams `chunks` and whose Content-Length says `declared`, whatever it sends. */
const streamed = (declared: number, ...chunks: string[]) =>
  fromFetch(new Request('http://x/', { method: 'POST', body: streamOf(...chunks), headers: { 'content-length': String(declared) }, duplex: 'half' } as RequestInit));

describe('fromFetch / toFetch', () => {
  it('reads method, pathname, headers and body; refuses a body past the limit', async () => {
    const req = fromFetch(new Request('http://x/v1/models/a/../m:predict?q=1', { method: 'POST', body: 'abc', headers: { 'X-Thing': 'v' } }));
    expect([req.method, req.pathname, req.header('x-thing'), req.header('absent')]).toEqual(['POST', '/v1/models/m:predict', 'v', undefined]);
    expect(new TextDecoder().decode(await req.body(3))).toBe('abc');
    const big = fromFetch(new Request('http://x/', { method: 'POST', body: 'abcd' }));
    await expect(big.body(3)).rejects.toBeInstanceOf(PayloadTooLargeError);
  });

  it('writes status, headers and body; HEAD gets no body', async () => {
    const res = toFetch({ status: 201, headers: { 'content-type': 'application/json' }, body: '{}' }, 'GET');
    expect([res.status, res.headers.get('content-type'), await res.text()]).toEqual([201, 'application/json', '{}']);
    expect(await toFetch({ status: 200, headers: {}, body: 'x' }, 'HEAD').text()).toBe('');
  });

  it('answers 500 with a fixed error for a header value Headers refuses', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = toFetch({ status: 200, headers: { 'x-model-label': 'a\nb' }, body: 'secret' }, 'GET');
    expect([res.status, res.headers.get('content-type'), await res.text()]).toEqual([500, 'application/json', '{"error": "Internal error"}']);
    expect(logged).toHaveBeenCalledWith(expect.stringMatching(/^edgeserve: cannot write a response header: /));
    logged.mockRestore();
  });

  it('answers a HEAD whose header is refused with 500 and no body', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = toFetch({ status: 200, headers: { 'x-model-label': 'a\nb' }, body: 'secret' }, 'HEAD');
    expect([res.status, res.headers.get('content-type'), await res.text()]).toEqual([500, 'application/json', '']);
    logged.mockRestore();
  });

  it('answers 204 and 304 without a body', async () => {
    for (const status of [204, 304]) {
      const res = toFetch({ status, headers: {}, body: '' }, 'GET');
      expect([res.status, await res.text()]).toEqual([status, '']);
    }
  });

  it('refuses a body whose Content-Length declares more than the limit, before reading it', async () => {
    await expect(streamed(1000, 'abc').body(10)).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED', message: 'Request body is larger than the limit of 10 bytes' });
  });

  it('reads a body whose Content-Length declares exactly the limit', async () => {
    expect(new TextDecoder().decode(await streamed(3, 'abc').body(3))).toBe('abc');
  });
});

describe('readCapped', () => {
  it('joins a body that arrives in several chunks', async () => {
    expect(new TextDecoder().decode(await readCapped(streamOf('ab', 'c', 'de'), 5))).toBe('abcde');
  });

  it('hands a body that arrives in one chunk over as it is, without a copy', async () => {
    const chunk = bytes('abc');
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(chunk);
        c.close();
      },
    });
    expect(await readCapped(stream, 3)).toBe(chunk);
  });
});
