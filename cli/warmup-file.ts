import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWarmup, type WarmupRequest } from '../core/manager/warmup.ts';
import { decodeInputs, readPredictBody } from '../core/tensor/json/decode.ts';
import { parseJson } from '../core/tensor/json/parse.ts';
import type { Tensor } from '../core/tensor/tensor.ts';
import { nestedArrays } from '../core/tensor/nested.ts';
import { onnxruntimeNode } from '../runtime/node/onnxruntime-node.ts';
import { UsageError } from './args.ts';

/**
 * `edgeserve push --warmup FILE [--golden]`: checks FILE with the server's own parser (so a push
 * never uploads a warmup file every server would reject) and, with --golden, runs each request
 * on the model locally (onnxruntime-node) and writes its outputs as "expected" into a copy that
 * is uploaded instead: the servers then refuse a version whose outputs differ (core/manager/warmup.ts).
 * Returns the file to upload as warmup.json.
 */
export async function prepareWarmup(modelFile: string, warmupFile: string, golden: boolean): Promise<string> {
  const bytes = await readFile(warmupFile).catch(() => {
    throw new UsageError(`--warmup ${warmupFile}: no such file`);
  });
  let requests: WarmupRequest[];
  try {
    requests = parseWarmup(bytes, warmupFile);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (!golden) return warmupFile;
  const doc = JSON.parse(bytes.toString('utf8')) as { requests: Record<string, unknown>[] };
  const session = await onnxruntimeNode().load(await readFile(modelFile));
  try {
    for (const [i, entry] of requests.entries()) {
      let outputs: Record<string, Tensor>;
      try {
        outputs = await session.run(decodeInputs(readPredictBody(parseJson(JSON.stringify(entry.request))), session.signature));
      } catch (err) {
        throw new UsageError(`--golden: ${warmupFile} request ${i} does not run on ${modelFile}: ${(err as Error).message}`);
      }
      doc.requests[i].expected = Object.fromEntries(Object.entries(outputs).map(([name, t]) => [name, nested(t)]));
    }
  } finally {
    await session.release();
  }
  const out = join(await mkdtemp(join(tmpdir(), 'edgeserve-warmup-')), 'warmup.json');
  await writeFile(out, JSON.stringify(doc, null, 2) + '\n');
  return out;
}

/** A tensor's values as nested JSON arrays of its shape (int64 as numbers, bool as true/false). */
function nested(t: Tensor): unknown {
  const data = t.data as ArrayLike<unknown>;
  return nestedArrays(t, (i) => (typeof data[i] === 'bigint' ? Number(data[i]) : t.dtype === 'bool' ? data[i] === 1 : data[i]));
}
