import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { closedLoop } from './load.ts';
import { inputRows, type BenchModel } from './models.ts';
import { measure, type SteadyOptions, type Summary } from './steady.ts';

/**
 * The ceiling: one caller running onnxruntime-node's session.run back to back on `batch` rows,
 * in this process, with default session options (what the servers use). No HTTP, no JSON.
 * Throughput counts rows; latency is per run. Back to back, each run finds the machine as the last
 * one left it, which no server's run does (bench/run-after-gap.ts).
 */
export async function rawLoop(model: BenchModel, basePath: string, batch: number, steady: SteadyOptions): Promise<Summary> {
  const session = await ort.InferenceSession.create(await readFile(join(basePath, '1', 'model.onnx')));
  const x = new ort.Tensor('float32', Float32Array.from(inputRows(model, batch).flat()), [batch, model.layers[0]]);
  const feeds = { [session.inputNames[0]]: x };
  const loop = closedLoop(1, async () => {
    await session.run(feeds);
    return batch;
  });
  try {
    return (await measure(() => loop.drain(), steady, async () => null)).summary;
  } finally {
    await loop.stop();
    await session.release();
  }
}
