import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { externalize, graph, mulberry32, type GraphSpec } from '../../test/fixtures/onnx-writer.ts';
import { splitWeights } from './onnx-split.ts';

// A single-file model split into a graph and its weights answers exactly as the original does.
const dir = mkdtempSync(join(tmpdir(), 'edgeserve-split-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const random = mulberry32(3);
const spec: GraphSpec = {
  inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', 64] }],
  outputs: [{ name: 'y', dtype: 'float32', dims: ['batch', 32] }],
  initializers: [
    { name: 'W1', dtype: 'float32', dims: [64, 48], data: Float32Array.from({ length: 64 * 48 }, () => random() - 0.5) },
    { name: 'b1', dtype: 'float32', dims: [48], data: Float32Array.from({ length: 48 }, () => random()) },
    { name: 'W2', dtype: 'float32', dims: [48, 32], data: Float32Array.from({ length: 48 * 32 }, () => random() - 0.5) },
  ],
  nodes: [
    { op: 'MatMul', inputs: ['x', 'W1'], outputs: ['h'] },
    { op: 'Add', inputs: ['h', 'b1'], outputs: ['hb'] },
    { op: 'Relu', inputs: ['hb'], outputs: ['r'] },
    { op: 'MatMul', inputs: ['r', 'W2'], outputs: ['y'] },
  ],
};

async function answer(model: string | Uint8Array): Promise<Float32Array> {
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model) : await ort.InferenceSession.create(model);
  try {
    const x = new ort.Tensor('float32', Float32Array.from({ length: 2 * 64 }, (_, i) => Math.sin(i)), [2, 64]);
    return (await session.run({ x })).y.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('splitWeights', () => {
  it('moves the large initializers to external data, keeps the small ones, and the answers stay the same', async () => {
    const original = graph(spec);
    writeFileSync(join(dir, 'original.onnx'), original);
    const bytes = await splitWeights(join(dir, 'original.onnx'), join(dir, 'model.onnx'), join(dir, 'model.onnx.weights'), 'model.onnx.weights');
    expect(bytes).not.toBeNull();
    expect(new Uint8Array(readFileSync(join(dir, 'model.onnx')))).toEqual(bytes);
    // W1 (12 KiB) and W2 (6 KiB) moved, b1 (192 bytes) stayed: the graph is small, the weights 4 KiB-aligned.
    expect(bytes!.byteLength).toBeLessThan(1024);
    expect(statSync(join(dir, 'model.onnx.weights')).size).toBe(4096 * 3 + 48 * 32 * 4);
    expect(Array.from(await answer(join(dir, 'model.onnx')))).toEqual(Array.from(await answer(original)));
  });

  it('leaves a model that already keeps weights in external data alone', async () => {
    const { model, files } = externalize(spec);
    writeFileSync(join(dir, 'ext.onnx'), model);
    for (const [name, data] of files) writeFileSync(join(dir, name), data);
    expect(await splitWeights(join(dir, 'ext.onnx'), join(dir, 'ext-split.onnx'), join(dir, 'ext-split.weights'), 'ext-split.weights')).toBeNull();
  });
});
