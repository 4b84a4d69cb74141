import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend/backend.ts';
import { MemorySource } from '../repository/memory-source.ts';
import { createService, type ServiceSettings } from '../service/create-service.ts';

// The OIP routes share the /v1 routes' composition: auth, body limit, batcher, refresh, CORS,
// metrics. A fake backend whose model adds 1; model "broken" fails to load.
const backend: Backend = {
  name: 'fake',
  async load(bytes) {
    if (new TextDecoder().decode(bytes instanceof Uint8Array ? bytes : bytes.bytes) === 'broken') throw new Error('not a model');
    return {
      signature: { inputs: [{ name: 'x', dtype: 'float32', dims: [-1, 1] }], outputs: [{ name: 'y', dtype: 'float32', dims: [-1, 1] }] },
      run: async ({ x }) => ({ y: { dtype: 'float32', dims: x.dims, data: Float32Array.from(x.data as Float32Array, (v) => v + 1) } }),
      release: async () => {},
    };
  },
};

const settings: ServiceSettings = { cacheBytes: 1 << 20, pollIntervalMs: -1, apiKeys: [], maxBodyBytes: 1 << 12, maxTensorBytes: 16 * (1 << 12), timeoutMs: 5000, cors: false, batching: null };
const batching = { maxBatchSize: 8, batchTimeoutMicros: 0, maxEnqueuedBatches: 4, numBatchThreads: 1, allowedBatchSizes: [], enableLargeBatchSplitting: false, maxExecutionBatchSize: 8, padVariableLengthInputs: false };
const INFER = JSON.stringify({ inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [1] }] });

function setup(over: Partial<ServiceSettings> = {}) {
  const files: Record<string, string> = { m: 'model', broken: 'broken' };
  const root = new MemorySource('mem:');
  for (const [name, text] of Object.entries(files)) root.put(`${name}/1/model.onnx`, text);
  const service = createService({ ...settings, ...over }, {
    models: { root, sourceFor: (name) => (name in files ? new MemorySource(`mem:/${name}`).put('1/model.onnx', files[name]) : new MemorySource()) },
    backend,
  });
  const call = (path: string, init: RequestInit = {}) => service.fetch(new Request(`http://edge${path}`, init));
  return { root, service, call };
}

describe('OIP routes over the shared composition', () => {
  it('asks for API keys on every route but the health probes', async () => {
    const { call } = setup({ apiKeys: ['k'] });
    expect((await call('/v2/health/live')).status).toBe(200);
    expect((await call('/v2/health/ready')).status).toBe(200);
    expect((await call('/v2/models/m/infer', { method: 'POST', body: INFER })).status).toBe(401);
    expect((await call('/v2')).status).toBe(401);
    const ok = await call('/v2/models/m/infer', { method: 'POST', body: INFER, headers: { authorization: 'Bearer k' } });
    expect(await ok.json()).toEqual({ model_name: 'm', model_version: '1', outputs: [{ name: 'y', datatype: 'FP32', shape: [1, 1], data: [2] }] });
  });

  it('runs through the batcher and counts requests by api', async () => {
    const { service, call } = setup({ batching });
    expect((await call('/v2/models/m/infer', { method: 'POST', body: INFER })).status).toBe(200);
    const metrics = await (await call('/monitoring/prometheus/metrics')).text();
    expect(metrics).toContain('edgeserve_batch_runs_total{model="m",version="1"} 1');
    expect(metrics).toContain('edgeserve_requests_total{model="m",version="1",api="oip_infer",status="200"} 1');
    service.close();
  });

  it('refuses bodies over the limit with 413 and a JSON error', async () => {
    const { call } = setup();
    const res = await call('/v2/models/m/infer', { method: 'POST', body: INFER + ' '.repeat(5000) });
    expect(res.status).toBe(413);
    expect(Object.keys(await res.json())).toEqual(['error']);
  });

  it('is not ready while storage is down, but still live', async () => {
    const { root, call } = setup({ cors: true });
    root.down = true;
    const ready = await call('/v2/health/ready');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ error: 'Storage at mem: is unreachable' });
    expect((await call('/v2/health/live')).status).toBe(200);
    expect((await call('/v2/models/m/infer', { method: 'POST', body: INFER })).headers.get('access-control-allow-origin')).toBe('*');
  });

  it('model ready is false (503) for a version that fails to load; metadata says why', async () => {
    const { call } = setup();
    const res = await call('/v2/models/broken/ready');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ name: 'broken', ready: false });
    expect((await call('/v2/models/broken')).status).toBeGreaterThanOrEqual(400);
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const { call } = setup();
    const res = await call('/v2/models/m/infer');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});
