import { describe, expect, it } from 'vitest';
import { serveOnLoopback } from '../../test/support/loopback.ts';
import type { Backend } from '../backend/backend.ts';
import { config, deferred } from '../testing/fake-manager.ts';
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
    expect(JSON.parse(String(warming.body))).toEqual({ ready: false, models: [{ name: 'm', versions: [{ version: 1, state: 'LOADING', warming: true }] }] });
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
            { name: 'b', versions: [{ version: 1, state: 'LOADING', warming: true }] },
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
});
