import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend/backend.ts';
import { config, deferred } from '../testing/fake-manager.ts';
import { Manager } from '../manager/manager.ts';
import { MemorySource } from '../repository/memory-source.ts';
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

  it('does not wait for models never listed (lazy targets)', async () => {
    const manager = new Manager([{ config: config(), source: new MemorySource() }], { backend: gatedBackend(Promise.resolve()), cacheBytes: 1, pollIntervalMs: -1 });
    expect(readinessBody(manager).status).toBe(200);
  });
});
