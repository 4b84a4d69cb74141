import { DT_FLOAT, DT_INT64, floats32, lenField, predictRequest, tensorProto, varint, type Bytes } from './proto-bytes.ts';
import type { Rng } from './rng.ts';

/**
 * Well-formed requests with bad data for the lookup model (test/fixtures/lookup-model.ts): ids in
 * and out of its vocabulary [-4, 3] (huge, negative, 2^63 - 1), rows of the wrong length, and
 * inputs whose batch sizes disagree, each as REST JSON and as a PredictRequest (binary HTTP and
 * gRPC). Every one the server refuses must be a 400 that names the input at fault.
 */
export const LOOKUP_INPUTS = ['ids', 'extra'];

const IDS = [0n, 1n, 2n, 3n, -1n, -4n, 4n, -5n, 7n, 1000n, -9007199254740993n, 9223372036854775807n, -9223372036854775808n];

export interface LookupCase {
  json: string;
  proto: Uint8Array<ArrayBuffer>;
}

export function lookupCase(rng: Rng): LookupCase {
  const batch = 1 + rng.int(3);
  // Mostly agreeing batch sizes; sometimes not (refused, naming both inputs).
  const extraBatch = rng.chance(0.8) ? batch : 1 + rng.int(4);
  const idsWidth = rng.chance(0.9) ? 2 : rng.pick([1, 3]);
  const extraWidth = rng.chance(0.9) ? 3 : rng.pick([2, 4]);
  const ids = Array.from({ length: batch }, () => Array.from({ length: idsWidth }, () => (rng.chance(0.7) ? BigInt(rng.int(4)) : rng.pick(IDS))));
  const extra = Array.from({ length: extraBatch }, () => Array.from({ length: extraWidth }, () => Math.round((rng.next() * 20 - 10) * 100) / 100));
  const json = `{"inputs": {"ids": [${ids.map((r) => `[${r.join(', ')}]`).join(', ')}], "extra": ${JSON.stringify(extra)}}}`;
  const int64s: Bytes = lenField(10, ids.flat().flatMap((v) => varint(v)));
  const proto = predictRequest({
    model: 'lookup',
    inputs: [
      ['ids', tensorProto(DT_INT64, [batch, idsWidth], int64s)],
      ['extra', tensorProto(DT_FLOAT, [extraBatch, extraWidth], lenField(5, floats32(extra.flat())))],
    ],
  });
  return { json, proto };
}
