import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend/backend.ts';
import { MemorySource } from '../repository/memory-source.ts';
import { createService, type ServiceSettings } from '../service/create-service.ts';
import { config } from '../testing/fake-manager.ts';

// The response names the label whose version answered (model.json "traffic", or a label asked
// for), on REST predict and OIP infer alike: clients and dashboards tell canary from stable by it.
const backend: Backend = {
  name: 'fake',
  load: async () => ({
    signature: { inputs: [{ name: 'x', dtype: 'float32', dims: [-1, 1] }], outputs: [{ name: 'y', dtype: 'float32', dims: [-1, 1] }] },
    run: async ({ x }) => ({ y: x }),
    release: async () => {},
  }),
};
const settings: ServiceSettings = { cacheBytes: 1 << 20, pollIntervalMs: -1, apiKeys: [], maxBodyBytes: 1 << 12, maxTensorBytes: 1 << 16, timeoutMs: 5000, cors: false, batching: null };
// All traffic to stable: canary (weight 0) is reached only by asking for it.
const MODEL_JSON = JSON.stringify({ labels: { stable: 1, canary: 2 }, traffic: { stable: 100, canary: 0 } });

function serve() {
  const source = new MemorySource('memory:m').put('1/model.onnx', 'one').put('2/model.onnx', 'two').put('model.json', MODEL_JSON);
  const service = createService(settings, { models: { configs: [config({ basePath: 'memory:m' })], sourceAt: () => source }, backend });
  const post = (path: string, body: string) => service.fetch(new Request(`http://edge${path}`, { method: 'POST', body }));
  return { service, post };
}

describe('x-model-label', () => {
  it('names the label a REST predict was routed to or asked for', async () => {
    const { service, post } = serve();
    const routed = await post('/v1/models/m:predict', '{"instances": [[1]]}');
    expect([routed.status, routed.headers.get('x-model-label'), routed.headers.get('x-model-version')]).toEqual([200, 'stable', '1']);
    const asked = await post('/v1/models/m/labels/canary:predict', '{"instances": [[1]]}');
    expect([asked.status, asked.headers.get('x-model-label'), asked.headers.get('x-model-version')]).toEqual([200, 'canary', '2']);
    const pinned = await post('/v1/models/m/versions/2:predict', '{"instances": [[1]]}');
    expect([pinned.status, pinned.headers.has('x-model-label')]).toEqual([200, false]);
    service.close();
  });

  it('names the label an OIP infer was routed to', async () => {
    const { service, post } = serve();
    const res = await post('/v2/models/m/infer', JSON.stringify({ inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [1] }] }));
    expect([res.status, res.headers.get('x-model-label')]).toEqual([200, 'stable']);
    service.close();
  });
});
