import { describe, expect, it } from 'vitest';
import { batchingModels, VAD_AXES } from '../../test/fixtures/batching-models.ts';
import { onnxruntimeNode } from '../../runtime/node/onnxruntime-node.ts';
import type { Session } from '../backend/backend.ts';
import type { ServingError } from '../errors.ts';
import type { Servable } from '../manager/servable.ts';
import { Registry } from '../metrics/registry.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { checkBatchAxes } from '../config/batch-axes.ts';
import { planBatching } from './batchability.ts';
import { createBatcher } from './batcher.ts';
import { params } from '../testing/fake-batching.ts';
import { batchingMetrics } from './metrics.ts';

const models = batchingModels();
const backend = onnxruntimeNode({ intraOpNumThreads: 1 });
const f32 = (dims: number[], seed: number): Tensor => ({
  dtype: 'float32',
  dims,
  data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => Math.fround(Math.sin(seed * 31 + i) * 3)),
});
const i64 = (v: number): Tensor => ({ dtype: 'int64', dims: [], data: BigInt64Array.from([BigInt(v)]) });
const bits = (out: Record<string, Tensor>) => Object.fromEntries(Object.entries(out).map(([k, t]) => [k, [t.dims, Array.from(t.data as Float32Array)]]));

/** 16 concurrent callers through a batcher; each must get what a direct run gives it. */
async function sixteenCallers(session: Session, axes: typeof VAD_AXES | undefined, request: (i: number) => Record<string, Tensor>) {
  const runs: number[] = [];
  const counting: Session = { ...session, signature: session.signature, run: (inputs) => (runs.push(1), session.run(inputs)) };
  const servable: Servable = { model: 'm', version: 1, session: counting, labels: null, bytes: 0 };
  const registry = new Registry();
  const logs: string[] = [];
  const batcher = createBatcher(params({ batchAxes: axes }), {
    now: () => performance.now(),
    setTimer: (fn, ms) => {
      const timer = setTimeout(fn, ms);
      return () => clearTimeout(timer);
    },
    yieldBeforeRun: () => new Promise((resolve) => setImmediate(resolve)),
    metrics: batchingMetrics(registry),
    log: (m) => logs.push(m),
  });
  const requests = Array.from({ length: 16 }, (_, i) => request(i));
  const answers = await Promise.all(requests.map((r) => batcher.run(servable, r)));
  for (let i = 0; i < 16; i++) expect(bits(answers[i])).toEqual(bits(await session.run(requests[i])));
  return { runs: runs.length, logs, metrics: registry.render() };
}

describe('batchability from the graph, with real onnxruntime-node sessions', () => {
  it('reads fixed dims, dynamic dims, scalars and unknown rank exactly', async () => {
    const sig = async (name: string) => (await backend.load(models[name])).signature;
    expect((await sig('fixed_batch')).inputs).toEqual([{ name: 'x.1', dtype: 'float32', dims: [1, 16, 8] }]);
    expect((await sig('scalar_gain')).inputs[1]).toEqual({ name: 'gain', dtype: 'int64', dims: [] });
    expect(await sig('unknown_rank')).toEqual({
      inputs: [{ name: 'x', dtype: 'float32', dims: null }],
      outputs: [{ name: 'y', dtype: 'float32', dims: null }],
    });
    expect(planBatching(await sig('fixed_batch'))).toEqual({ mode: 'unbatched', reason: 'input x.1 has a fixed size 1 on axis 0' });
    expect(planBatching(await sig('scalar_gain')).reason).toBe('input gain is a scalar');
    expect(planBatching(await sig('unknown_rank')).reason).toBe('input x has unknown rank');
    expect(planBatching(await sig('unknown_rank'), { x: 0, y: 0 }).mode).toBe('batched');
    expect(planBatching(await sig('vad')).mode).toBe('unbatched');
    expect(planBatching(await sig('vad'), VAD_AXES).mode).toBe('batched');
    expect(planBatching(await sig('fixed_dims')).mode).toBe('batched');
  });

  it('refuses a declaration that contradicts the graph, naming the input', async () => {
    const vad = (await backend.load(models.vad)).signature;
    const fail = (axes: Record<string, number | 'shared'>) => {
      try {
        checkBatchAxes(vad, axes);
        return 'ok';
      } catch (err) {
        return (err as ServingError).message;
      }
    };
    expect(fail({ h: 0 })).toBe('model.json batching.batch_axes: input h cannot batch on axis 0: it has a fixed size 2 on axis 0');
    expect(fail({ h: 3 })).toBe('model.json batching.batch_axes: input h cannot batch on axis 3: it has rank 3, no axis 3');
    expect(fail({ state: 1 })).toBe('model.json batching.batch_axes: state is not an input or output of the model');
    expect(fail({ hn: 'shared' })).toBe('model.json batching.batch_axes: output hn cannot be "shared" (only inputs can)');
    expect(fail(VAD_AXES)).toBe('ok');
  });

  it('runs unbatchable models alone and merges the declared-axis model, bit for bit', async () => {
    const fixed = await sixteenCallers(await backend.load(models.fixed_batch), undefined, (i) => ({ 'x.1': f32([1, 16, 8], i) }));
    expect(fixed.runs).toBe(16);
    expect(fixed.logs).toEqual(['model m version 1: batching: unbatched (input x.1 has a fixed size 1 on axis 0)']);
    expect(fixed.metrics).toContain('edgeserve_batching_mode{model="m",version="1",mode="unbatched"} 1');
    const gain = await sixteenCallers(await backend.load(models.scalar_gain), undefined, (i) => ({ x: f32([1 + (i % 2), 4], i), gain: i64(i) }));
    expect(gain.runs).toBe(16);
    const rank = await sixteenCallers(await backend.load(models.unknown_rank), undefined, (i) => ({ x: f32([i % 3 + 1, 2], i) }));
    expect(rank.runs).toBe(16);
    const vadRequest = (i: number) => ({ input: f32([1, 32], i), sr: i64(i % 4 === 0 ? 8000 : 16000), h: f32([2, 1, 64], i + 100), c: f32([2, 1, 64], i + 200) });
    const vad = await sixteenCallers(await backend.load(models.vad), VAD_AXES, vadRequest);
    expect(vad.runs).toBeLessThan(16);
    expect(vad.metrics).toContain('edgeserve_batching_mode{model="m",version="1",mode="batched"} 1');
    const dims = await sixteenCallers(await backend.load(models.fixed_dims), undefined, (i) => ({ x: f32([1 + (i % 3), 3, 2], i) }));
    expect(dims.runs).toBeLessThan(16);
  });

  it('keeps onnxruntime’s whole message for shape errors: the index, the size given and the size expected', async () => {
    const session = await backend.load(models.fixed_batch);
    const err = await session.run({ 'x.1': f32([2, 16, 8], 1) }).catch((e: ServingError) => e);
    expect((err as ServingError).code).toBe('INVALID_ARGUMENT');
    expect((err as ServingError).message).toBe(
      'Got invalid dimensions for input: x.1 for the following indices; index: 0 Got: 2 Expected: 1; Please fix either the inputs/outputs or the model.',
    );
  });
});
