import { expect, it } from 'vitest';
import { OIP_CASES, SAME_AS_TF } from './oip-cases.ts';
import { CONFORMANCE_ORIGIN, type Transport } from './run.ts';

/**
 * Registers one vitest case per Open Inference Protocol case (oip-cases.ts), then one per
 * SAME_AS_TF entry (the OIP outputs print exactly the numbers TF Serving's API prints for the
 * same model, version and inputs), inside the caller's describe(). Transports must carry binary
 * bodies and headers both ways (the binary tensor data extension).
 */
export function runOipConformance(call: Transport): void {
  for (const c of OIP_CASES) {
    it(c.name, async () => {
      const res = await call(new Request(CONFORMANCE_ORIGIN + c.path, { method: c.method, body: c.body as BodyInit | undefined, headers: c.headers }));
      const bytes = new Uint8Array(await res.arrayBuffer());
      const text = new TextDecoder().decode(bytes);
      expect(res.status, text).toBe(c.status);
      if (c.bytes !== undefined) expect(hex(bytes)).toBe(hex(c.bytes));
      if (c.json !== undefined) expect(JSON.parse(text)).toEqual(c.json);
      if (c.error !== undefined) expect(JSON.parse(text).error).toContain(c.error);
      for (const r of c.raw ?? []) expect(text).toContain(r);
      for (const [k, v] of Object.entries(c.responseHeaders ?? {})) expect(res.headers.get(k)).toBe(v);
      if (c.status >= 400) expect(Object.keys(JSON.parse(text))).toEqual(['error']);
    });
  }
  for (const s of SAME_AS_TF) {
    it(`same outputs as TF Serving's API: ${s.oip}`, async () => {
      const tf = await call(new Request(CONFORMANCE_ORIGIN + s.tf, { method: 'POST', body: s.instances }));
      const oip = await call(new Request(CONFORMANCE_ORIGIN + s.oip, { method: 'POST', body: JSON.stringify({ inputs: s.inputs }) }));
      const [tfText, oipText] = [await tf.text(), await oip.text()];
      expect([tf.status, oip.status], tfText + oipText).toEqual([200, 200]);
      const oipData = /"data":\[([^\]]*)\]/.exec(oipText)![1];
      expect(oipData).toBe(numbers(tfText.slice(tfText.indexOf('"outputs"'))).join(','));
      expect(oip.headers.get('x-model-version')).toBe(tf.headers.get('x-model-version'));
    });
  }
}

/** The number tokens of a JSON text, as printed. */
function numbers(text: string): string[] {
  return text.match(/-?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|NaN|Infinity)/g) ?? [];
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** A Request as plain init (method, headers, body bytes) for transports that resend it. */
export async function initOf(request: Request): Promise<{ method: string; headers: Record<string, string>; body?: Uint8Array<ArrayBuffer> }> {
  const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
  return { method: request.method, headers: Object.fromEntries(request.headers), body };
}
