import { timingSafeEqual } from 'hono/utils/buffer';
import { jsonResponse, type HttpResponse } from './exchange.ts';

/**
 * --api_keys: `Authorization: Bearer <token>` checked against the keys in constant time (Hono's
 * timingSafeEqual). Answers, with RFC 6750's WWW-Authenticate challenges:
 *   no header           401 {"error": "Missing or invalid API key"}
 *   not a bearer token  400 {"error": "Malformed Authorization header"}
 *   unknown token       401 {"error": "Missing or invalid API key"}
 * Returns null when the request may go on.
 */
export function bearerCheck(keys: string[]): (authorization: string | undefined) => Promise<HttpResponse | null> {
  return async (authorization) => {
    if (!authorization) return denied(401, 'Bearer realm=""', 'Missing or invalid API key');
    const token = /^bearer /i.test(authorization) ? authorization.slice(7).trimStart() : '';
    if (!TOKEN.test(token)) return denied(400, 'Bearer error="invalid_request"', 'Malformed Authorization header');
    for (const key of keys) if (await timingSafeEqual(key, token)) return null;
    return denied(401, 'Bearer error="invalid_token"', 'Missing or invalid API key');
  };
}

// RFC 6750's b64token.
const TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;

function denied(status: number, challenge: string, error: string): HttpResponse {
  return jsonResponse(status, JSON.stringify({ error }), { 'www-authenticate': challenge });
}
