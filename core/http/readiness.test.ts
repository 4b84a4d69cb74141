import { describe, expect, it } from 'vitest';
import { serveOnLoopback } from '../../test/support/loopback.ts';
import type { Backend } from '../backend/backend.ts';
import { ServingError } from '../errors.ts';
import { config, deferred, setup } from '../testing/fake-manager.ts';
import { Catalog } from '../manager/catalog.ts';
import { Manager } from '../manager/manager.ts';
import { MemorySource } from '../repository/memory-source.ts';
import { createService } from '../service/create-service.ts';
import { readinessBody } from './readiness.ts';

// /readyz tells a warming version from a serving one: a backend whose runs wait on a gate, so
// the warmup of v2 can be observed mid-way.
const WARMUP = JSON.stringify({ requests: [{ request: { instances: [[1]] } }] });

function gatedBackend(gate: Promise<void>, started = () => {}): Backend {
  return {
    name: 'gated',
    load: async () => ({
      signature: { inputs: [{ name: 'x', dtype: 'float32', dims: [-1, 1] }], outputs: [{ name: 'y', dtype: 'float32', dims: [-1, 1] }] },
      run: async (inputs) => {
        started();
        await gate;
        return { y: inputs.x };
      },
      release: async () => {},
    }),
  };
}

describe('/readyz', () => {
  it('is 503 with the version warming, then 200 once it serves', async () => {
    const gate = deferred();
    const running = deferred();
    const source = new MemorySource().put('1/model.onnx', 'm').put('1/warmup.json', WARMUP);
    const manager = new Manager([{ config: config(), source }], { backend: gatedBackend(gate.promise, running.resolve), cacheBytes: 1 << 20, pollIntervalMs: -1 });
    const load = manager.preload();
    await running.promise; // the warmup request is running
    const warming = readinessBody(manager);
    expect(warming.status).toBe(503);
    expect(JSON.parse(String(warming.body))).toEqual({ ready: false, models: [{ name: 'm', versions: [{ version: 1, state: 'LOADING', warming: true }], error: 'no version loaded yet' }] });
    gate.resolve();
    await load;
    const ready = readinessBody(manager);
    expect(ready.status).toBe(200);
    expect(JSON.parse(String(ready.body))).toEqual({ ready: true, models: [{ name: 'm', versions: [{ version: 1, state: 'AVAILABLE' }] }] });
  });

  it('is 503 over HTTP while one of two models is warming, though the other serves', async () => {
    const gate = deferred();
    const running = deferred();
    // "a" has no warmup (AVAILABLE once loaded); "b" runs warmup.json, which waits on the gate.
    const sources: Record<string, MemorySource> = {
      'memory:a': new MemorySource('memory:a').put('1/model.onnx', 'a'),
      'memory:b': new MemorySource('memory:b').put('1/model.onnx', 'b').put('1/warmup.json', WARMUP),
    };
    const service = createService(
      { cacheBytes: 1 << 20, pollIntervalMs: -1, apiKeys: [], maxBodyBytes: 1 << 20, maxTensorBytes: 16 * (1 << 20), timeoutMs: 5000, cors: false, batching: null },
      {
        models: { configs: [config({ name: 'a', basePath: 'memory:a' }), config({ name: 'b', basePath: 'memory:b' })], sourceAt: (basePath) => sources[basePath] },
        backend: gatedBackend(gate.promise, running.resolve),
      },
    );
    const http = await serveOnLoopback(service.handle);
    const readyz = async () => {
      const res = await fetch(`${http.url}/readyz`);
      return { status: res.status, body: await res.json() };
    };
    try {
      expect((await fetch(`${http.url}/v1/models/a/metadata`)).status).toBe(200); // loads "a"
      const b = fetch(`${http.url}/v1/models/b/metadata`); // loads "b", whose warmup waits
      b.catch(() => {}); // awaited below; only a failed test leaves it to the close
      await running.promise;
      expect(await readyz()).toEqual({
        status: 503,
        body: {
          ready: false,
          models: [
            { name: 'a', versions: [{ version: 1, state: 'AVAILABLE' }] },
            { name: 'b', versions: [{ version: 1, state: 'LOADING', warming: true }], error: 'no version loaded yet' },
          ],
        },
      });
      gate.resolve();
      expect((await b).status).toBe(200);
      expect(await readyz()).toMatchObject({ status: 200, body: { ready: true } });
    } finally {
      gate.resolve();
      await http.close();
      service.close();
    }
  });

  it('does not wait for models never listed (lazy targets)', async () => {
    const manager = new Manager([{ config: config(), source: new MemorySource() }], { backend: gatedBackend(Promise.resolve()), cacheBytes: 1, pollIntervalMs: -1 });
    expect(readinessBody(manager).status).toBe(200);
  });

  it('is 503 naming the model once a listing finds no versions (a mistyped base path), on /readyz and OIP ready', async () => {
    const service = createService(
      { cacheBytes: 1 << 20, pollIntervalMs: -1, apiKeys: [], maxBodyBytes: 1 << 20, maxTensorBytes: 1 << 24, timeoutMs: 5000, cors: false, batching: null },
      { models: { configs: [config({ name: 'typo', basePath: 'memory:typo' })], sourceAt: () => new MemorySource('memory:typo') }, backend: gatedBackend(Promise.resolve()) },
    );
    await service.manager.preload();
    const res = await service.fetch(new Request('http://edge/readyz'));
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      ready: false,
      models: [{ name: 'typo', versions: [], error: 'no versions found at memory:typo: expected numbered version folders (memory:typo/1/model.onnx, ...), but it does not exist or is empty' }],
    });
    const oip = await service.fetch(new Request('http://edge/v2/health/ready'));
    expect([oip.status, await oip.json()]).toEqual([503, { ready: false }]);
    service.close();
  });

  it('is 503 when every version failed to load, and a request for one names its load error', async () => {
    const broken: Backend = { name: 'broken', load: async () => Promise.reject(new ServingError('INVALID_ARGUMENT', 'Could not load the model as ONNX: protobuf parsing failed')) };
    const service = createService(
      { cacheBytes: 1 << 20, pollIntervalMs: -1, apiKeys: [], maxBodyBytes: 1 << 20, maxTensorBytes: 1 << 24, timeoutMs: 5000, cors: false, batching: null },
      { models: { configs: [config({ name: 'm', basePath: 'memory:m' })], sourceAt: () => new MemorySource('memory:m').put('1/model.onnx', 'not onnx') }, backend: broken },
    );
    await service.manager.preload();
    const ready = await service.fetch(new Request('http://edge/readyz'));
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { models: { error: string }[] }).models[0].error).toBe('version 1 failed to load: Could not load the model as ONNX: protobuf parsing failed');
    for (const path of ['/v1/models/m:predict', '/v1/models/m/versions/1:predict']) {
      const res = await service.fetch(new Request(`http://edge${path}`, { method: 'POST', body: '{"instances": [[1]]}' }));
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: string }).error, path).toMatch(/^Servable not found for request: (Latest\(m\)|Specific\(m, 1\)): version 1 failed to load: Could not load the model as ONNX: protobuf parsing failed$/);
    }
    service.close();
  });

  it('is 503 for a model listed whose version has not loaded yet', async () => {
    const source = new MemorySource().put('1/model.onnx', 'm');
    const manager = new Manager([{ config: config(), source }], { backend: gatedBackend(Promise.resolve()), cacheBytes: 1 << 20, pollIntervalMs: -1 });
    await manager.status('m'); // lists the model; nothing loads it
    const res = readinessBody(manager);
    expect([res.status, JSON.parse(String(res.body))]).toEqual([503, { ready: false, models: [{ name: 'm', versions: [{ version: 1, state: 'START' }], error: 'no version loaded yet' }] }]);
  });

  it('is 503 naming a repository root that holds no models (a mistyped MODEL_BASE_PATH)', async () => {
    const manager = new Manager([], { backend: gatedBackend(Promise.resolve()), cacheBytes: 1 << 20, pollIntervalMs: -1 });
    await new Catalog({ root: new MemorySource('r2://MODELS'), sourceFor: (name) => new MemorySource(`r2://MODELS/${name}`), manager, pollIntervalMs: -1 }).refresh();
    const res = readinessBody(manager);
    expect([res.status, JSON.parse(String(res.body))]).toEqual([
      503,
      { ready: false, error: 'no models found at r2://MODELS: it does not exist or is empty (each model is a folder there, holding numbered version folders)', models: [] },
    ]);
  });

  it('stays 200 and names a version the rollback guard pulled from the traffic split', async () => {
    const modelJson = JSON.stringify({ labels: { stable: 1, canary: 2 }, traffic: { stable: 90, canary: 10 }, rollback: { max_error_rate: 0.2, min_requests: 10 } });
    const { manager } = setup({ '1/model.onnx': 'model-1', '2/model.onnx': 'model-2', 'model.json': modelJson }, {}, { random: () => 0.5 });
    await manager.preload();
    for (let i = 0; i < 10; i++) manager.recordOutcome('m', 2, true);
    const res = readinessBody(manager);
    expect([res.status, JSON.parse(String(res.body))]).toEqual([
      200,
      { ready: true, models: [{ name: 'm', versions: [{ version: 2, state: 'AVAILABLE', pulled: true }, { version: 1, state: 'AVAILABLE' }] }] },
    ]);
  });
});
