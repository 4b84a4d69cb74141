import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend/backend.ts';
import { singleModelConfig } from '../config/model-config.ts';
import { MemorySource } from '../repository/memory-source.ts';
import type { ModelSource } from '../repository/source.ts';
import { createService, type ServiceCapabilities, type ServiceSettings } from './create-service.ts';

// The one composition, with in-memory storage and a backend whose "model" adds 1.
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

const settings: ServiceSettings = { cacheBytes: 1 << 20, pollIntervalMs: -1, apiKeys: [], maxBodyBytes: 1 << 20, maxTensorBytes: 16 * (1 << 20), timeoutMs: 5000, cors: false, batching: null };
const batching = { maxBatchSize: 8, batchTimeoutMicros: 0, maxEnqueuedBatches: 4, numBatchThreads: 1, allowedBatchSizes: [], enableLargeBatchSplitting: false, maxExecutionBatchSize: 8, padVariableLengthInputs: false };

function caller(service: { fetch(request: Request): Promise<Response> }) {
  return (path: string, body?: unknown, init: RequestInit = {}) =>
    service.fetch(new Request(`http://edge${path}`, body === undefined ? init : { method: 'POST', body: JSON.stringify(body), ...init }));
}

/** A repository root holding model "m", as the isolate targets serve it. */
function rootSetup(over: Partial<ServiceSettings> = {}, capabilities: Partial<ServiceCapabilities> = {}) {
  const repo = new Map<string, MemorySource>([['m', new MemorySource('mem:/m').put('1/model.onnx', 'model')]]);
  const root = new MemorySource('mem:');
  root.put('m/1/model.onnx', 'model');
  const service = createService({ ...settings, ...over }, { models: { root, sourceFor: (name) => repo.get(name) ?? new MemorySource() }, backend, ...capabilities });
  return { root, service, call: caller(service) };
}

describe('createService', () => {
  it('serves the folders at the root, naming the backend in a header and in the metrics', async () => {
    const { call } = rootSetup();
    const res = await call('/v1/models/m:predict', { instances: [[1]] });
    expect(await res.json()).toEqual({ predictions: [[2.0]] });
    expect(res.headers.get('x-backend')).toBe('fake-gpu');
    const metrics = await call('/monitoring/prometheus/metrics');
    expect(metrics.headers.get('x-backend')).toBe('fake-gpu');
    const text = await metrics.text();
    expect(text).toContain('edgeserve_backend_info{backend="fake-gpu"} 1');
    expect(text).toContain('edgeserve_storage_calls_total{model="m",op="list",outcome="ok"} 1');
  });

  it('serves a fixed model list, counting storage inside a cache tier', async () => {
    const source = new MemorySource('mem:/models/m').put('1/model.onnx', 'model');
    const tiered: string[] = [];
    const service = createService(settings, {
      models: { configs: [singleModelConfig('m', 'mem:/models/m')], sourceAt: (basePath) => (basePath === source.location ? source : new MemorySource()) },
      cacheTier: (counted: ModelSource, location) => {
        tiered.push(location);
        return counted;
      },
      backend,
    });
    const call = caller(service);
    expect(await (await call('/v1/models/m:predict', { instances: [[1]] })).json()).toEqual({ predictions: [[2.0]] });
    expect(tiered).toEqual(['mem:/models/m']);
    expect(service.manager.modelNames()).toEqual(['m']);
    expect(await (await call('/monitoring/prometheus/metrics')).text()).toContain('edgeserve_storage_calls_total{model="m",op="list",outcome="ok"} 1');
  });

  it('runs through the batcher when batching is on; host.services.run is the same RunFn', async () => {
    const { service, call } = rootSetup({ batching });
    expect(await (await call('/v1/models/m:predict', { instances: [[5]] })).json()).toEqual({ predictions: [[6.0]] });
    expect(await (await call('/monitoring/prometheus/metrics')).text()).toContain('edgeserve_batch_runs_total{model="m",version="1"} 1');
    const lease = await service.manager.acquire('m');
    const out = await service.host.services.run(lease.servable, { x: { dtype: 'float32', dims: [1, 1], data: Float32Array.of(1) } });
    lease.release();
    expect(Array.from(out.y.data as Float32Array)).toEqual([2]);
    expect(await (await call('/monitoring/prometheus/metrics')).text()).toContain('edgeserve_batch_runs_total{model="m",version="1"} 2');
    service.close();
  });

  it('answers the API with 503 while the first listing fails, through the app error path; health still answers', async () => {
    const { root, call } = rootSetup({ cors: true });
    root.down = true;
    const res = await call('/v1/models/m:predict', { instances: [[1]] });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('x-backend')).toBe('fake-gpu');
    expect(await res.json()).toEqual({ error: 'Storage at mem: is unreachable' });
    expect((await call('/healthz')).status).toBe(200);
  });

  it('bounds a stalled first listing by the request deadline: 504 for the API, health still answers', async () => {
    const { root, call } = rootSetup({ timeoutMs: 50 });
    root.list = () => new Promise<string[]>(() => {}); // storage that never answers
    const res = await call('/v1/models/m:predict', { instances: [[1]] });
    expect(res.status).toBe(504);
    expect(await res.json()).toEqual({ error: 'Request did not finish within 50 ms' });
    expect((await call('/healthz')).status).toBe(200);
  });
});
