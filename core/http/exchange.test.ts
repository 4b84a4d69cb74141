import { describe, expect, it, vi } from 'vitest';
import { fromFetch, PayloadTooLargeError, toFetch } from './exchange.ts';

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
    expect([res.status, await res.text()]).toEqual([500, '{"error": "Internal error"}']);
    logged.mockRestore();
  });
});
