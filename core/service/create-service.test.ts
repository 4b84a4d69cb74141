import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend/backend.ts';
import { notifyPark } from '../batcher/wait.ts';
import { MemorySource } from '../repository/memory-source.ts';
import { createEdgeService, type EdgeSettings } from './service.ts';

// The isolate targets' composition, with in-memory storage and a backend whose "model" adds 1.
const backend: Backend = {
  name: 'fake-gpu',
  async load() {
    return {
      signature: { inputs: [{ name: 'x', dtype: 'float32', dims: [-1, 1] }], outputs: [{ name: 'y', dtype: 'float32', dims: [-1, 1] }] },
      run: async ({ x }) => ({ y: { dtype: 'float32', dims: x.dims, data: Float32Array.from(x.data as Float32Array, (v) => v + 1) } }),
      release: async () => {},
    };
  },
};

const settings: EdgeSettings = { cacheBytes: 1 << 20, pollIntervalMs: -1, apiKeys: [], maxBodyBytes: 1 << 20, timeoutMs: 5000, cors: false, batching: null };
const setTimer = (fire: () => void, ms: number) => {
  const t = setTimeout(fire, ms);
  return () => clearTimeout(t);
};

function setup(over: Partial<EdgeSettings> = {}) {
  const repo = new Map<string, MemorySource>([['m', new MemorySource('mem:/m').put('1/model.onnx', 'model')]]);
  const root = new MemorySource('mem:');
  root.put('m/1/model.onnx', 'model');
  const service = createEdgeService({ ...settings, ...over }, { root, sourceFor: (name) => repo.get(name) ?? new MemorySource(), backend, park: notifyPark(setTimer), setTimer });
  const call = (path: string, body?: unknown) =>
    service.fetch(new Request(`http://edge${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) }));
  return { root, service, call };
}

describe('createEdgeService', () => {
  it('serves the folders at the root, naming the backend in a header and in the metrics', async () => {
    const { call } = setup();
    const res = await call('/v1/models/m:predict', { instances: [[1]] });
    expect(await res.json()).toEqual({ predictions: [[2.0]] });
    expect(res.headers.get('x-backend')).toBe('fake-gpu');
    const metrics = await call('/monitoring/prometheus/metrics');
    expect(metrics.headers.get('x-backend')).toBe('fake-gpu');
    expect(await metrics.text()).toContain('edgeserve_backend_info{backend="fake-gpu"} 1');
  });

  it('runs through the batcher when batching is on', async () => {
    const batching = { maxBatchSize: 8, batchTimeoutMicros: 0, maxEnqueuedBatches: 4, numBatchThreads: 1, allowedBatchSizes: [], enableLargeBatchSplitting: false, maxExecutionBatchSize: 8, padVariableLengthInputs: false };
    const { call } = setup({ batching });
    expect(await (await call('/v1/models/m:predict', { instances: [[5]] })).json()).toEqual({ predictions: [[6.0]] });
    expect(await (await call('/monitoring/prometheus/metrics')).text()).toContain('edgeserve_batch_runs_total{model="m",version="1"} 1');
  });

  it('answers the API with 503 while the first listing fails; health still answers', async () => {
    const { root, call } = setup();
    root.down = true;
    const res = await call('/v1/models/m:predict', { instances: [[1]] });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: 'Storage at mem: is unreachable' });
    expect((await call('/healthz')).status).toBe(200);
  });
});
