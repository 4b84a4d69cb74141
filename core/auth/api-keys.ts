/**
 * --api_keys: the one check of a caller's `authorization` value, for REST and gRPC alike (each
 * maps the verdict to its own answer: core/http/bearer.ts, runtime/node/grpc/grpc-server.ts).
 *
 * - The value must be `Bearer <token>` (scheme in any case, then spaces) with an RFC 6750
 *   b64token; anything else is 'malformed', and no value at all is 'missing'.
 * - The token is compared with every key in constant time: SHA-256 digests of equal length,
 *   compared byte by byte without an early exit, so neither the key's length nor where it differs
 *   shows in the timing. Keys are hashed once, when the check is built.
 */
export type KeyVerdict = 'ok' | 'missing' | 'malformed' | 'invalid';

export type ApiKeyCheck = (authorization: string | undefined) => Promise<KeyVerdict>;

export function apiKeyCheck(keys: readonly string[]): ApiKeyCheck {
  const digests = Promise.all(keys.map(sha256));
  return async (authorization) => {
    if (!authorization) return 'missing';
    const token = /^bearer /i.test(authorization) ? authorization.slice(7).trimStart() : '';
    if (!TOKEN.test(token)) return 'malformed';
    const sent = await sha256(token);
    let match = false;
    for (const key of await digests) match = equalBytes(key, sent) || match;
    return match ? 'ok' : 'invalid';
  };
}

// RFC 6750's b64token.
const TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

/** Equal-length digests, every byte visited. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
