import { describe, expect, it } from 'vitest';
import { mlpModel, mulberry32 } from '../../test/fixtures/onnx-writer.ts';
import { onnxruntimeNode } from '../../runtime/node/onnxruntime-node.ts';
import type { Servable } from '../manager/servable.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { createBatcher } from './batcher.ts';
import { params } from '../testing/fake-batching.ts';

describe('batcher with a real onnxruntime-node session', () => {
  it('gives each caller of a merged, padded and split batch the same rows as an unbatched run', async () => {
    const session = await onnxruntimeNode({ intraOpNumThreads: 1 }).load(mlpModel({ layers: [8, 16, 4], seed: 7 }));
    const sizes: number[] = [];
    const counting = { ...session, run: (inputs: Record<string, Tensor>) => (sizes.push(inputs.x.dims[0]), session.run(inputs)) };
    const servable: Servable = { model: 'mlp', version: 1, session: counting, labels: null, bytes: 0 };
    const random = mulberry32(3);
    const request = (n: number): Record<string, Tensor> => ({
      x: { dtype: 'float32', dims: [n, 8], data: Float32Array.from({ length: n * 8 }, () => random() * 2 - 1) },
    });
    const requests = [1, 3, 2, 7, 1, 5].map(request);
    const expected = await Promise.all(requests.map((r) => session.run(r)));

    const split = params({ maxBatchSize: 8, maxExecutionBatchSize: 4, enableLargeBatchSplitting: true, allowedBatchSizes: [2, 4] });
    const batcher = createBatcher(split, { now: () => performance.now(), setTimer: (fn, ms) => clearTimeout.bind(null, setTimeout(fn, ms)) });
    const got = await Promise.all(requests.map((r) => batcher.run(servable, r)));

    expect(sizes).toEqual([2, 4, 4, 4, 4, 2]);
    got.forEach((out, i) => {
      expect(out.y.dims).toEqual(expected[i].y.dims);
      const want = expected[i].y.data as Float32Array;
      (out.y.data as Float32Array).forEach((v, j) => expect(v).toBeCloseTo(want[j], 5));
    });
    await session.release();
  });
});
