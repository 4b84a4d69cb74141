import { describe, expect, it } from 'vitest';
import { serveOnLoopback } from '../../test/support/loopback.ts';
import type { Backend } from '../backend/backend.ts';
import { unavailable } from '../errors.ts';
import { MemorySource } from '../repository/memory-source.ts';
import { createService } from '../service/create-service.ts';
import { config, deferred, setup } from '../testing/fake-manager.ts';

// "Latest" only moves forward during a rollout (TF Serving's availability-preserving rule): the
// version serving it stays until its successor is AVAILABLE, and a label on an older version
// never makes it step aside. Fake source and backend, injected clock; no timers.
const MODEL_JSON = JSON.stringify({ version_policy: { latest: { num_versions: 1 } }, labels: { stable: 1 } });

async function servingFourWithStableOne() {
  const t = setup({ '1/model.onnx': 'model-1', '4/model.onnx': 'model-4', 'model.json': MODEL_JSON });
  await t.manager.preload();
  expect(await t.versionOf()).toBe(4);
  expect(await t.versionOf({ label: 'stable' })).toBe(1);
  return t;
}

/**
 * Lists the pushed version (the listing is stale, so a request revalidates it in the background),
 * then a request starts its load in the background and is answered by v4.
 */
async function relist(t: Awaited<ReturnType<typeof servingFourWithStableOne>>) {
  t.clock.ms += 1000;
  expect(await t.versionOf()).toBe(4);
  await t.settle();
  expect(await t.versionOf()).toBe(4);
}

describe('rollout with a label on an older version', () => {
  it('keeps v4 answering "latest" while v5 loads, then moves to v5 and unloads v4', async () => {
    const t = await servingFourWithStableOne();
    t.source.put('5/model.onnx', 'model-5');
    const gate = deferred();
    t.backend.gate = gate.promise;
    await relist(t);
    expect((await t.manager.status('m', 5))[0].state).toBe('LOADING');
    expect(await t.versionOf()).toBe(4);
    expect((await t.manager.status('m', 4))[0].state).toBe('AVAILABLE');
    gate.resolve();
    await t.settle();
    expect(await t.versionOf()).toBe(5);
    await t.settle();
    expect(t.backend.released).toEqual(['model-4']);
    expect(await t.versionOf({ label: 'stable' })).toBe(1);
  });

  it('keeps v4 when v5 is corrupt', async () => {
    const t = await servingFourWithStableOne();
    t.source.put('5/model.onnx', 'not onnx');
    await relist(t);
    await t.settle();
    expect((await t.manager.status('m', 5))[0].state).toBe('END');
    for (let i = 0; i < 3; i++) expect(await t.versionOf()).toBe(4);
    expect(t.backend.released).toEqual([]);
  });

  it('keeps v4 for the whole of a storage outage that stops v5 downloading, then moves to v5', async () => {
    const t = await servingFourWithStableOne();
    t.source.put('5/model.onnx', 'model-5');
    const read = t.source.read.bind(t.source);
    let down = true;
    t.source.read = async (path) => {
      if (down && path.startsWith('5/')) throw unavailable('Cannot read memory:/5/model.onnx: ECONNRESET');
      return read(path);
    };
    await relist(t);
    await t.settle();
    expect((await t.manager.status('m', 5))[0].error?.code).toBe('UNAVAILABLE');
    for (let i = 0; i < 3; i++) {
      t.clock.ms += 500; // backoffs pass; each retry fails again
      expect(await t.versionOf()).toBe(4);
      await t.settle();
    }
    down = false;
    t.clock.ms += 60_000;
    expect(await t.versionOf()).toBe(4);
    await t.settle();
    expect(await t.versionOf()).toBe(5);
  });

  it('never falls back to the labelled version when the cache evicts the one serving "latest"', async () => {
    // Room for two 7-byte models: loading another model evicts the least recently used, v4.
    const t = setup({ '1/model.onnx': 'model-1', '4/model.onnx': 'model-4', 'model.json': MODEL_JSON }, {}, { cacheBytes: 14 });
    t.manager.addModel({ config: config({ name: 'n' }), source: new MemorySource().put('1/model.onnx', 'model-n') });
    expect(await t.versionOf({ label: 'stable' })).toBe(1);
    t.clock.ms += 1;
    expect(await t.versionOf()).toBe(4);
    t.clock.ms += 1;
    expect(await t.versionOf({ label: 'stable' })).toBe(1); // v4 is now the least recently used
    (await t.manager.acquire('n')).release();
    expect(t.backend.released).toEqual(['model-4']);
    for (let i = 0; i < 3; i++) expect(await t.versionOf()).toBe(4); // waits for v4 to reload; never v1
  });

  it('keeps the version serving "latest" through a successor load that the cache cannot hold beside it', async () => {
    const t = setup({ '1/model.onnx': 'model-1', '4/model.onnx': 'model-4', 'model.json': MODEL_JSON }, {}, { cacheBytes: 14 });
    await t.manager.preload();
    expect(await t.versionOf()).toBe(4);
    expect(await t.versionOf({ label: 'stable' })).toBe(1);
    t.source.put('5/model.onnx', 'model-5');
    const gate = deferred();
    t.backend.gate = gate.promise;
    await relist(t);
    expect(await t.versionOf()).toBe(4); // v4 stays loaded while v5 loads over budget
    gate.resolve();
    await t.settle();
    expect(await t.versionOf()).toBe(5);
    await t.settle();
    // The idle labelled v1 made room for v5 (it reloads on use); v4 retired once v5 was AVAILABLE.
    expect(t.backend.released).toEqual(['model-1', 'model-4']);
    expect(await t.versionOf({ label: 'stable' })).toBe(1);
  });
});

describe('a version that left the policy', () => {
  // The serving stack as a target builds it (createService), over loopback HTTP: in-memory storage
  // whose reads are recorded, and a backend whose "model-<n>" adds n to its input.
  function stack() {
    const source = new MemorySource().put('1/model.onnx', 'model-1');
    const reads: string[] = [];
    const read = source.read.bind(source);
    source.read = (path) => (reads.push(path), read(path));
    const loads: string[] = [];
    const released: string[] = [];
    const backend: Backend = {
      name: 'adds-version',
      async load(bytes) {
        const text = new TextDecoder().decode(bytes as Uint8Array);
        loads.push(text);
        const n = Number(text.slice('model-'.length));
        return {
          signature: { inputs: [{ name: 'x', dtype: 'float32', dims: [-1, 1] }], outputs: [{ name: 'y', dtype: 'float32', dims: [-1, 1] }] },
          run: async ({ x }) => ({ y: { dtype: 'float32', dims: x.dims, data: Float32Array.from(x.data as Float32Array, (v) => v + n) } }),
          release: async () => {
            released.push(text);
          },
        };
      },
    };
    const background: Promise<unknown>[] = [];
    // pollIntervalMs 0: every request relists in the background (defer), so no clock is needed.
    const service = createService(
      { cacheBytes: 1 << 20, pollIntervalMs: 0, apiKeys: [], maxBodyBytes: 1 << 20, maxTensorBytes: 16 * (1 << 20), timeoutMs: 5000, cors: false, batching: null },
      { models: { configs: [config()], sourceAt: () => source }, backend, defer: (p) => background.push(p) },
    );
    const settle = async () => {
      while (background.length > 0) await Promise.all(background.splice(0));
    };
    return { source, reads, loads, released, service, settle };
  }

  it('answers a request pinned to it NOT_FOUND (404) and does not load it again', async () => {
    const t = stack();
    const http = await serveOnLoopback(t.service.handle);
    const predict = async (path = '') => {
      const res = await fetch(`${http.url}/v1/models/m${path}:predict`, { method: 'POST', body: '{"instances": [[1.0]]}' });
      return { status: res.status, version: res.headers.get('x-model-version'), body: await res.json() };
    };
    try {
      // latest(1): version 1 serves; version 2 is pushed and rolls out; version 1 unloads.
      expect(await predict()).toEqual({ status: 200, version: '1', body: { predictions: [[2.0]] } });
      t.source.put('2/model.onnx', 'model-2');
      expect((await predict()).version).toBe('1'); // and relists in the background: version 2 is aspired
      await t.settle();
      expect((await predict()).version).toBe('1'); // and starts loading version 2 in the background
      await t.settle();
      expect(await predict()).toEqual({ status: 200, version: '2', body: { predictions: [[3.0]] } });
      await t.settle();
      expect(t.loads).toEqual(['model-1', 'model-2']);
      expect(t.released).toEqual(['model-1']);
      const status = await (await fetch(`${http.url}/v1/models/m`)).json();
      expect(status.model_version_status.map((s: { version: string; state: string }) => [s.version, s.state])).toEqual([
        ['2', 'AVAILABLE'],
        ['1', 'END'],
      ]);

      // Pinned to the retired version: not servable, so nothing is read or loaded for it.
      const readsBefore = t.reads.length;
      for (const path of ['/versions/1', '/versions/1']) {
        expect(await predict(path)).toEqual({ status: 404, version: null, body: { error: 'Servable not found for request: Specific(m, 1)' } });
      }
      await t.settle();
      expect(t.reads.slice(readsBefore).filter((p) => p.startsWith('1/'))).toEqual([]);
      expect(t.loads).toEqual(['model-1', 'model-2']);
      expect(await predict()).toEqual({ status: 200, version: '2', body: { predictions: [[3.0]] } });
    } finally {
      await http.close();
      t.service.close();
    }
  });
});
