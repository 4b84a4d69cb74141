import type { ApiKeyCheck, KeyVerdict } from '../auth/api-keys.ts';
import { jsonResponse, type HttpResponse } from './exchange.ts';

/**
 * REST's answer to core/auth/api-keys.ts's verdict, with RFC 6750's WWW-Authenticate challenges:
 *   no header           401 {"error": "Missing or invalid API key"}
 *   not a bearer token  400 {"error": "Malformed Authorization header"}
 *   unknown token       401 {"error": "Missing or invalid API key"}
 * Returns null when the request may go on.
 */
export function bearerCheck(check: ApiKeyCheck): (authorization: string | undefined) => Promise<HttpResponse | null> {
  return async (authorization) => DENIED[await check(authorization)]?.() ?? null;
}

const DENIED: Record<KeyVerdict, (() => HttpResponse) | null> = {
  ok: null,
  missing: () => denied(401, 'Bearer realm=""', 'Missing or invalid API key'),
  malformed: () => denied(400, 'Bearer error="invalid_request"', 'Malformed Authorization header'),
  invalid: () => denied(401, 'Bearer error="invalid_token"', 'Missing or invalid API key'),
};

function denied(status: number, challenge: string, error: string): HttpResponse {
  return jsonResponse(status, JSON.stringify({ error }), { 'www-authenticate': challenge });
}
