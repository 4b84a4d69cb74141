import type { Session } from '../backend/backend.ts';
import { asServingError, failedPrecondition } from '../errors.ts';
import { decodeInputs, readPredictBody } from '../tensor/json/decode.ts';
import { parseJson } from '../tensor/json/parse.ts';
import type { PredictRequestMsg } from '../tensor/proto/predict.ts';
import { tensorFromProto } from '../tensor/proto/tensor-proto.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { parseTfWarmup } from './tf-warmup.ts';

/*
 * A version's warmup file, `<model>/<version>/warmup.json`, run by the loader after the session
 * is made and before the version becomes AVAILABLE (TF Serving's warmup, plus a golden check):
 *
 *   {"requests": [
 *     {"request": {"instances": [[1.0]]},           the REST predict body, as a client sends it
 *      "expected": {"y": [[3.0]]},                  optional: output name -> values (nested or flat)
 *      "tolerance": 1e-5,                           optional, default 1e-5 (or the file's "tolerance")
 *      "iterations": 1}                             optional: runs of this request (TF's num_request_iterations)
 *   ], "tolerance": 1e-5}
 *
 * A float matches when |actual - expected| <= tolerance * max(1, |expected|); other dtypes match
 * exactly. Any failure (a bad file, a run error, a mismatch) is FAILED_PRECONDITION naming the
 * request, output, flat index, expected and actual, so the version ends as END with that error
 * and the previous version keeps serving. float16 outputs are compared as their IEEE half bits.
 */
export { WARMUP_FILE } from '../repository/version-files.ts';
export const DEFAULT_TOLERANCE = 1e-5;

export interface WarmupRequest {
  /** A REST predict body (warmup.json), or ... */
  request: unknown;
  /** ... a PredictRequest from TF Serving's warmup file (tf-warmup.ts); no expected outputs then. */
  proto?: PredictRequestMsg;
  expected?: Record<string, unknown>;
  tolerance: number;
  iterations: number;
}

export function parseWarmup(bytes: Uint8Array, where: string): WarmupRequest[] {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw failedPrecondition(`${where}: invalid JSON: ${(err as Error).message}`);
  }
  const root = doc as { requests?: unknown; tolerance?: unknown } | null;
  if (typeof root !== 'object' || root === null || !Array.isArray(root.requests)) throw failedPrecondition(`${where}: must be {"requests": [...]}`);
  const fileTolerance = tolerance(root.tolerance, DEFAULT_TOLERANCE, `${where}: tolerance`);
  return root.requests.map((entry: unknown, i: number) => {
    const e = entry as Record<string, unknown> | null;
    const at = `${where}: requests[${i}]`;
    if (typeof e !== 'object' || e === null || typeof e.request !== 'object' || e.request === null) throw failedPrecondition(`${at}: needs a "request" object`);
    if (e.expected !== undefined && (typeof e.expected !== 'object' || e.expected === null || Array.isArray(e.expected))) {
      throw failedPrecondition(`${at}.expected: must be an object of output name -> values`);
    }
    const iterations = e.iterations ?? 1;
    if (!Number.isSafeInteger(iterations) || (iterations as number) < 1) throw failedPrecondition(`${at}.iterations: must be a positive integer`);
    return {
      request: e.request,
      expected: e.expected as Record<string, unknown> | undefined,
      tolerance: tolerance(e.tolerance, fileTolerance, `${at}.tolerance`),
      iterations: iterations as number,
    };
  });
}

/** TF Serving's warmup file as warmup requests, each run `iterations` times (its num_request_iterations). */
export function tfWarmupRequests(bytes: Uint8Array, where: string, iterations = 1): WarmupRequest[] {
  return parseTfWarmup(bytes, where).map((proto) => ({ request: null, proto, tolerance: DEFAULT_TOLERANCE, iterations }));
}

/** Runs every request of a parsed warmup file on `session`, checking expected outputs; throws on the first failure. */
export async function runWarmup(session: Session, requests: WarmupRequest[], where: string): Promise<void> {
  for (const [i, entry] of requests.entries()) {
    const name = `${where} request ${i}`;
    let outputs: Record<string, Tensor> = {};
    try {
      const inputs = entry.proto
        ? Object.fromEntries([...entry.proto.inputs].map(([alias, msg]) => [alias, tensorFromProto(msg)]))
        : decodeInputs(readPredictBody(parseJson(JSON.stringify(entry.request))), session.signature);
      for (let n = 0; n < entry.iterations; n++) outputs = await session.run(inputs);
    } catch (err) {
      throw failedPrecondition(`Warmup failed: ${name}: ${asServingError(err).message}`);
    }
    for (const [output, expected] of Object.entries(entry.expected ?? {})) {
      const mismatch = compareOutput(outputs[output], expected, entry.tolerance);
      if (mismatch) throw failedPrecondition(`Warmup golden check failed: ${name}, output "${output}": ${mismatch}`);
    }
  }
}

/** Why `actual` does not match `expected` (nested or flat values), or null when it does. */
export function compareOutput(actual: Tensor | undefined, expected: unknown, tol: number): string | null {
  if (!actual) return 'the model has no such output';
  const want = Array.isArray(expected) ? (expected as unknown[]).flat(Infinity) : [expected];
  const got = Array.from(actual.data as ArrayLike<unknown>);
  if (want.length !== got.length) return `expected ${want.length} values, got ${got.length} (shape [${actual.dims.join(', ')}])`;
  const float = actual.dtype === 'float32' || actual.dtype === 'float64';
  for (let i = 0; i < want.length; i++) {
    const [e, a] = [want[i], got[i]];
    const ok = float && typeof e === 'number'
      ? Math.abs((a as number) - e) <= tol * Math.max(1, Math.abs(e)) || (Number.isNaN(e) && Number.isNaN(a))
      : String(typeof e === 'boolean' ? Number(e) : e) === String(a);
    if (!ok) return `index ${i}: expected ${JSON.stringify(e)}, actual ${typeof a === 'bigint' ? String(a) : JSON.stringify(a)}${float ? ` (tolerance ${tol})` : ''}`;
  }
  return null;
}

function tolerance(value: unknown, fallback: number, where: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0)) throw failedPrecondition(`${where}: must be a non-negative number`);
  return value;
}
