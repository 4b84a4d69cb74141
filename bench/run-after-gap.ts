/**
 * How long one session.run takes back to back (the raw loop's case) and after a gap of other work
 * on the same thread (a server's case: between two batches the JS thread parses and writes
 * requests). On the 2-vCPU bench VMs the heavy MLP's batch of 32 takes about 2.3 ms back to back
 * and about 3.5 ms after 5 ms of busy JS, with or without onnxruntime's spinning, so the raw loop
 * is a ceiling no server reaches (bench/results/2026-12-02-throughput-notes.md).
 *
 *   node --import tsx bench/run-after-gap.ts [--model=heavy] [--rows=32] [--gap-ms=5] [--spinning]
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { inputRows, modelBasePath, MODELS } from './models.ts';

const { values } = parseArgs({
  options: { model: { type: 'string', default: 'heavy' }, rows: { type: 'string', default: '32' }, 'gap-ms': { type: 'string', default: '5' }, spinning: { type: 'boolean', default: false } },
});
const model = MODELS.find((m) => m.name === values.model) ?? MODELS[1];
const rows = Number(values.rows);
const session = await ort.InferenceSession.create(join(await modelBasePath(model), '1', 'model.onnx'), {
  extra: { session: { intra_op: { allow_spinning: values.spinning ? '1' : '0' } } },
});
const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(inputRows(model, rows).flat()), [rows, model.layers[0]]) };
const runs = model.name === 'heavy' ? 200 : 2000;

async function meanRunMs(gapMs: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < runs; i++) {
    const end = performance.now() + gapMs;
    while (performance.now() < end); // other work on the thread, touching no memory
    const t0 = performance.now();
    await session.run(feeds);
    total += performance.now() - t0;
  }
  return total / runs;
}

for (let i = 0; i < 20; i++) await session.run(feeds);
for (const gap of [0, Number(values['gap-ms']), 0]) {
  console.log(`${model.name}, ${rows} rows, spinning ${values.spinning ? 'on' : 'off'}, ${gap} ms of busy JS before each run: ${(await meanRunMs(gap)).toFixed(3)} ms per run`);
}
await session.release();
