import { describe, expect, it } from 'vitest';
import { apiKeyCheck } from '../auth/api-keys.ts';
import { bearerCheck } from './bearer.ts';

describe('bearerCheck (--api_keys)', () => {
  const check = bearerCheck(apiKeyCheck(['k1', 'k2']));
  const answer = async (authorization: string | undefined) => {
    const r = await check(authorization);
    return r && { status: r.status, challenge: r.headers['www-authenticate'], body: JSON.parse(String(r.body)) };
  };

  it('lets any listed key through, the scheme in any case', async () => {
    expect(await answer('Bearer k1')).toBeNull();
    expect(await answer('bearer   k2')).toBeNull();
  });

  it('answers 401 without a header or with an unknown key, 400 for a header that is not a bearer token', async () => {
    expect(await answer(undefined)).toEqual({ status: 401, challenge: 'Bearer realm=""', body: { error: 'Missing or invalid API key' } });
    expect(await answer('Bearer k3')).toEqual({ status: 401, challenge: 'Bearer error="invalid_token"', body: { error: 'Missing or invalid API key' } });
    expect(await answer('Bearer k1x')).toMatchObject({ status: 401 });
    for (const header of ['Basic azE=', 'Bearer', 'Bearer two words', 'Bearerk1']) {
      expect(await answer(header)).toEqual({ status: 400, challenge: 'Bearer error="invalid_request"', body: { error: 'Malformed Authorization header' } });
    }
  });
});
