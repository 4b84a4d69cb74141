import { expect, it } from 'vitest';
import { CASES } from './cases.ts';

/**
 * How a target is reached: one Request in, its Response out. Node sends it over loopback, the
 * Worker through workerd's dispatchFetch, Lambda as an API Gateway event. The request's origin is
 * a placeholder; transports keep the path and query as given (cases send %2F and odd verbs).
 */
export type Transport = (request: Request) => Promise<Response>;

export const CONFORMANCE_ORIGIN = 'http://conformance.test';

/**
 * Registers one vitest case per TF Serving REST conformance case (cases.ts), in order, inside the
 * caller's describe(): the predictions load the versions that later status cases expect AVAILABLE.
 */
export function runConformance(call: Transport): void {
  for (const c of CASES) {
    it(c.name, async () => {
      const res = await call(new Request(CONFORMANCE_ORIGIN + c.path, { method: c.method, body: c.body }));
      const text = await res.text();
      expect(res.status, text).toBe(c.status);
      if (c.body_json !== undefined) expect(JSON.parse(text)).toEqual(c.body_json);
      if (c.error !== undefined) expect(JSON.parse(text).error).toContain(c.error);
      for (const r of c.raw ?? []) expect(text).toContain(r);
      for (const [k, v] of Object.entries(c.headers ?? {})) expect(res.headers.get(k)).toBe(v);
      if (c.path.startsWith('/v1') && c.status >= 400 && text !== '') expect(Object.keys(JSON.parse(text))).toEqual(['error']);
    });
  }
}

/** The request's path and query, as the case wrote them. */
export function pathOf(request: Request): string {
  return request.url.slice(new URL(request.url).origin.length);
}
