import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMessage, lookupType } from '../runtime/node/grpc/proto-root.ts';
import { mlpModel, mulberry32 } from '../test/fixtures/onnx-writer.ts';

/** A benchmark model: an MLP from test/fixtures/onnx-writer.ts, float32 x [batch, layers[0]]. */
export interface BenchModel {
  name: string;
  layers: number[];
}

export const MODELS: BenchModel[] = [
  { name: 'small', layers: [128, 256, 256, 10] },
  { name: 'heavy', layers: [1024, 2048, 2048, 1000] },
];

export function parameterCount(layers: number[]): number {
  let n = 0;
  for (let i = 1; i < layers.length; i++) n += layers[i - 1] * layers[i] + layers[i];
  return n;
}

/**
 * Writes the model as a TF-Serving-style base path (<base>/1/model.onnx) under the OS temp folder
 * and returns the base path. Same layers, same bytes: an existing file is reused across runs.
 */
export async function modelBasePath(model: BenchModel): Promise<string> {
  const base = join(tmpdir(), 'edgeserve-bench', `${model.name}-${model.layers.join('x')}`);
  const file = join(base, '1', 'model.onnx');
  if (!existsSync(file)) {
    await mkdir(join(base, '1'), { recursive: true });
    await writeFile(`${file}.part`, mlpModel({ layers: model.layers, seed: 1 }));
    await rename(`${file}.part`, file);
  }
  return base;
}

/** `rows` seeded random rows of the model's input width, in [-1, 1). */
export function inputRows(model: BenchModel, rows: number): number[][] {
  const random = mulberry32(42);
  return Array.from({ length: rows }, () => Array.from({ length: model.layers[0] }, () => Math.round((random() * 2 - 1) * 1e4) / 1e4));
}

/** A TF Serving row-format :predict body of one row. */
export function predictBody(model: BenchModel): string {
  return JSON.stringify({ instances: inputRows(model, 1) });
}

/**
 * The same row as a serialized tensorflow.serving.PredictRequest (POSTed as application/x-protobuf):
 * input `x` float32 [1, width] in tensor_content, what tf.make_tensor_proto sends for a numpy array.
 */
export function predictProto(model: BenchModel, inputName = 'x'): Uint8Array {
  const row = Float32Array.from(inputRows(model, 1)[0]);
  return encodeMessage(lookupType('tensorflow.serving.PredictRequest'), {
    model_spec: { name: model.name },
    inputs: {
      [inputName]: {
        dtype: 1,
        tensor_shape: { dim: [1, row.length].map((size) => ({ size })) },
        tensor_content: new Uint8Array(row.buffer, row.byteOffset, row.byteLength),
      },
    },
  });
}
