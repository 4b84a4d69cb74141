import { describe, expect, it } from 'vitest';
import { apiKeyCheck } from './api-keys.ts';

// The one key check (REST and gRPC map its verdict: core/http/bearer.ts, runtime/node/grpc).
describe('apiKeyCheck', () => {
  const check = apiKeyCheck(['k1', 'second-key']);

  it('accepts any listed key, the scheme in any case and spaces after it', async () => {
    for (const value of ['Bearer k1', 'bearer k1', 'BEARER   second-key']) expect(await check(value), value).toBe('ok');
  });

  it('refuses a missing value, a value that is not a bearer token, and every key not listed', async () => {
    expect(await check(undefined)).toBe('missing');
    expect(await check('')).toBe('missing');
    for (const value of ['Bearer', 'Bearerk1', 'Basic azE=', 'Bearer two words', 'Bearer k1 ', 'xbearer k1', 'Basic bearer k1']) expect(await check(value), value).toBe('malformed');
    for (const value of ['Bearer wrong', 'Bearer k1x', 'Bearer k', 'Bearer K1', 'Bearer second-keyk1', 'Bearer k1k1']) expect(await check(value), value).toBe('invalid');
  });

  it('with no keys, refuses every token', async () => {
    expect(await apiKeyCheck([])('Bearer k1')).toBe('invalid');
  });
});
