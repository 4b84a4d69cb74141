import * as grpc from '@grpc/grpc-js';
import type { Code } from '../../core/errors.ts';
import { httpStatus } from '../../core/http/status-codes.ts';
import { binaryCase } from './binary-cases.ts';
import { jsonCase } from './json-cases.ts';
import { LOOKUP_INPUTS, lookupCase, type LookupCase } from './lookup-cases.ts';
import { postBinary, postJson, rawGrpc, type Outcome } from './raw-clients.ts';
import { caseRng } from './rng.ts';

/**
 * The fuzz driver: `counts.json` JSON bodies, `counts.binary` binary HTTP bodies, `counts.grpc`
 * gRPC Predict bodies and `counts.lookup` bad-data requests for the lookup model over all three,
 * case i of each kind generated from (seed, kind, i) alone, sent
 * `concurrency` at a time. Counts answers per status (HTTP status, or gRPC code name) and keeps
 * the cases answered 5xx (for gRPC: a code TF maps to 5xx, e.g. INTERNAL) or not answered at all.
 */
export interface FuzzCounts {
  json: number;
  binary: number;
  grpc: number;
  /** Well-formed requests with bad data for the lookup model, each sent over JSON, binary HTTP and gRPC (lookup-cases.ts). */
  lookup: number;
}

export interface FuzzFailure {
  kind: keyof FuzzCounts;
  index: number;
  status: string;
  text: string;
}

export interface FuzzReport {
  byStatus: Record<keyof FuzzCounts, Record<string, number>>;
  failures: FuzzFailure[];
}

export interface FuzzTarget {
  url: string;
  grpcAddress: string | null;
}

export async function runFuzz(target: FuzzTarget, counts: FuzzCounts, seed = 12, concurrency = 8): Promise<FuzzReport> {
  const report: FuzzReport = { byStatus: { json: {}, binary: {}, grpc: {}, lookup: {} }, failures: [] };
  const client = target.grpcAddress && (counts.grpc > 0 || counts.lookup > 0) ? rawGrpc(target.grpcAddress) : null;
  const send: Record<keyof FuzzCounts, (i: number) => Promise<Outcome>> = {
    json: (i) => {
      const c = jsonCase(caseRng(seed, 'json', i));
      return postJson(target.url + c.path, c.body, c.headers);
    },
    binary: (i) => {
      const c = binaryCase(caseRng(seed, 'binary', i));
      return postBinary(`${target.url}/v1/models/${c.model}:predict`, c.bytes);
    },
    grpc: (i) => client!.predict(binaryCase(caseRng(seed, 'grpc', i)).bytes),
    lookup: (i) => sendLookup(lookupCase(caseRng(seed, 'lookup', i))),
  };
  // A lookup case over the three transports; any refusal that is not a 400 naming an input is a failure.
  const sendLookup = async (c: LookupCase): Promise<Outcome> => {
    const answers = await Promise.all([
      postJson(`${target.url}/v1/models/lookup:predict`, c.json).then((o) => ['json', o] as const),
      postBinary(`${target.url}/v1/models/lookup:predict`, c.proto).then((o) => ['binary', o] as const),
      client!.predict(c.proto).then((o) => ['grpc', { ...o, status: o.status === 0 ? 200 : o.status === grpc.status.INVALID_ARGUMENT ? 400 : 500 + o.status }] as const),
    ]);
    for (const [transport, out] of answers) {
      const named = LOOKUP_INPUTS.some((name) => new RegExp(`\\b${name}\\b`).test(out.text));
      if (out.status !== 200 && (out.status !== 400 || !named)) return { status: out.status === 400 ? 499 : out.status, text: `${transport}: ${out.text}` };
    }
    return answers[0][1];
  };
  try {
    for (const kind of ['json', 'binary', 'grpc', 'lookup'] as const) {
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < counts[kind]; i = next++) {
          let status: string;
          let text = '';
          let failed: boolean;
          try {
            // One retry on a network error: a keep-alive socket the server closed while the
            // client reused it is not an answer from the server. A dead server fails both.
            const out = await send[kind](i).catch(() => send[kind](i));
            text = out.text;
            if (kind === 'grpc') {
              status = grpc.status[out.status] ?? String(out.status);
              failed = out.status !== 0 && httpStatus(status as Code) >= 500;
            } else {
              status = String(out.status);
              // 499 here: a lookup case refused with a 400 that names no input.
              failed = out.status >= 500 || out.status === 499;
            }
          } catch (err) {
            status = 'no answer';
            text = `${(err as Error).message} ${String((err as Error).cause ?? '')}`;
            failed = true;
          }
          report.byStatus[kind][status] = (report.byStatus[kind][status] ?? 0) + 1;
          if (failed) report.failures.push({ kind, index: i, status, text: text.slice(0, 300) });
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    }
  } finally {
    client?.close();
  }
  return report;
}
