import { describe, expect, it } from 'vitest';
import { servingMetrics } from '../metrics/serving-metrics.ts';
import { MemorySource } from '../repository/memory-source.ts';
import { FakeBackend, config, deferred, setup } from '../testing/fake-manager.ts';
import { Budget } from './budget.ts';
import { newEntry, newSlot, type Entry, type Slot } from './model-state.ts';
import { runtimeOf } from './options.ts';

// The byte budget (budget.ts), through the Manager's public API.

describe('Manager: byte budget', () => {
  it('evicts the least recently used idle servable to stay within the byte budget', async () => {
    const { manager, backend, clock } = setup(
      { '1/model.onnx': 'model-1', '2/model.onnx': 'model-2', '3/model.onnx': 'model-3' },
      { versionPolicy: { kind: 'all' } },
      { cacheBytes: 16, pollIntervalMs: -1 },
    );
    const use = async (version: number) => {
      clock.ms += 1;
      (await manager.acquire('m', { version })).release();
    };
    await use(1);
    await use(2);
    await use(1); // 2 is now the least recently used
    await use(3);
    expect(backend.released).toEqual(['model-2']);
    expect((await manager.status('m', 2))[0].state).toBe('START');
    const held = await manager.acquire('m', { version: 1 });
    await use(2); // 3 is idle and older than the held 1
    expect(backend.released).toEqual(['model-2', 'model-3']);
    held.release();
  });
  it('refuses a model larger than the whole cache with a clear error', async () => {
    const { manager } = setup({ '1/model.onnx': 'model-1-is-too-large' }, {}, { cacheBytes: 8 });
    await expect(manager.acquire('m')).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
  });

  it('comes back within the budget once loads that overlapped have finished (issue 23)', async () => {
    const { manager, backend, settle } = setup({ '1/model.onnx': 'model-1', '2/model.onnx': 'model-2' }, { versionPolicy: { kind: 'all' } }, { cacheBytes: 10, pollIntervalMs: -1 });
    let open!: () => void;
    backend.gate = new Promise((resolve) => (open = resolve));
    // Both reserve before either session exists: nothing is idle to evict, so the second loads over budget.
    const both = Promise.all([manager.acquire('m', { version: 1 }), manager.acquire('m', { version: 2 })]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    open();
    for (const lease of await both) lease.release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    await settle();
    // (A version evicted between its load and its waiters' leases is resolved again: loaded anew, not handed over released.)
    expect(backend.released.length).toBeGreaterThanOrEqual(1);
    const states = [(await manager.status('m', 1))[0].state, (await manager.status('m', 2))[0].state].sort();
    expect(states).toEqual(['AVAILABLE', 'START']);
  });
});


// The Budget on its own, over hand-made entries: exact bytes, exact eviction order. A servable is
// named "model/version"; `released` lists the sessions released, in order.
function budgetOf(cacheBytes: number) {
  const entries = new Map<string, Entry>();
  const released: string[] = [];
  const rt = runtimeOf({ backend: new FakeBackend(), cacheBytes, pollIntervalMs: -1, defer: () => {} });
  const budget = new Budget(rt, () => entries.values());
  const entry = (name: string): Entry => {
    let e = entries.get(name);
    if (!e) entries.set(name, (e = newEntry(config({ name }), new MemorySource())));
    return e;
  };
  let releaseGate: Promise<void> | null = null;
  /** Loaded servables, all charged before any is placed (as loads that overlapped), so none evicts another. */
  async function loaded(specs: { at: string; bytes: number; lastUsedMs: number; inUse?: number }[]): Promise<Slot[]> {
    for (const { at, bytes } of specs) await budget.reserve(at.split('/')[0], Number(at.split('/')[1]), bytes);
    return specs.map(({ at, bytes, lastUsedMs, inUse = 0 }) => {
      const [model, v] = at.split('/');
      const version = Number(v);
      const slot = newSlot(version, v);
      const session = {
        signature: { inputs: [], outputs: [] },
        run: async () => ({}),
        release: async () => {
          await releaseGate;
          released.push(at);
        },
      };
      Object.assign(slot, { state: 'AVAILABLE', lastUsedMs, inUse, servable: { model, version, session, labels: null, bytes } });
      const e = entry(model);
      e.slots.set(version, slot);
      e.aspired = [...e.slots.keys()].sort((a, b) => b - a);
      return slot;
    });
  }
  return { budget, entry, loaded, released, gate: (g: Promise<void> | null) => (releaseGate = g) };
}

describe('Budget: eviction order and byte accounting', () => {
  it('settles by evicting idle servables least recently used first, across models, and stops once the budget holds', async () => {
    const b = budgetOf(10);
    await b.loaded([
      { at: 'm/1', bytes: 5, lastUsedMs: 30 },
      { at: 'm/2', bytes: 5, lastUsedMs: 10 },
      { at: 'n/1', bytes: 5, lastUsedMs: 20 },
    ]);
    await b.budget.settle();
    expect(b.released).toEqual(['m/2']); // 10 bytes left: exactly the budget
    await b.budget.settle();
    expect(b.released).toEqual(['m/2']);
  });

  it('settles without evicting a servable a request holds, however long ago it was used', async () => {
    const b = budgetOf(10);
    await b.loaded([
      { at: 'm/1', bytes: 5, lastUsedMs: 0, inUse: 1 },
      { at: 'm/2', bytes: 10, lastUsedMs: 5 },
    ]);
    await b.budget.settle();
    expect(b.released).toEqual(['m/2']);
  });

  it('settles without evicting the servable just loaded', async () => {
    const b = budgetOf(10);
    const [justLoaded] = await b.loaded([
      { at: 'm/1', bytes: 5, lastUsedMs: 0 },
      { at: 'n/1', bytes: 10, lastUsedMs: 5 },
    ]);
    await b.budget.settle(justLoaded);
    expect(b.released).toEqual(['n/1']);
  });

  it('settles without evicting the version answering "latest" while its model loads a successor', async () => {
    const b = budgetOf(10);
    await b.budget.reserve('m', 2, 5); // m/2 is being created: its bytes are charged
    await b.loaded([
      { at: 'm/1', bytes: 5, lastUsedMs: 0 },
      { at: 'n/1', bytes: 10, lastUsedMs: 5 },
    ]);
    const m = b.entry('m');
    m.latestServed = 1;
    m.slots.set(2, { ...newSlot(2, '2'), state: 'LOADING' });
    await b.budget.settle();
    expect(b.released).toEqual(['n/1']); // m/1 stays, though least recently used
  });

  it('settles by evicting the version answering "latest" of a model that loads nothing', async () => {
    const b = budgetOf(10);
    await b.loaded([
      { at: 'm/1', bytes: 5, lastUsedMs: 0 },
      { at: 'n/1', bytes: 10, lastUsedMs: 5 },
    ]);
    b.entry('m').latestServed = 1;
    b.entry('n').latestServed = 1;
    await b.budget.settle();
    expect(b.released).toEqual(['m/1']);
  });

  it('reserves room for a version by evicting least recently used idle servables only until it fits', async () => {
    const b = budgetOf(10);
    await b.loaded([
      { at: 'm/1', bytes: 4, lastUsedMs: 20 },
      { at: 'm/2', bytes: 4, lastUsedMs: 10 },
    ]);
    await b.budget.reserve('m', 3, 4);
    expect(b.released).toEqual(['m/2']);
    await b.budget.reserve('m', 4, 2); // 4 + 4 + 2: exactly the budget
    expect(b.released).toEqual(['m/2']);
  });

  it('reserves without evicting a servable a request holds nor the version kept for "latest": the load goes over budget instead', async () => {
    const b = budgetOf(10);
    const [, latest] = await b.loaded([
      { at: 'm/1', bytes: 5, lastUsedMs: 0, inUse: 1 },
      { at: 'm/2', bytes: 5, lastUsedMs: 5 },
      { at: 'n/1', bytes: 5, lastUsedMs: 10 },
    ]);
    await b.budget.reserve('m', 3, 5, latest);
    expect(b.released).toEqual(['n/1']);
  });

  it('shows a servable as UNLOADING while its session is released, then START', async () => {
    const b = budgetOf(10);
    const [slot] = await b.loaded([
      { at: 'm/1', bytes: 5, lastUsedMs: 0 },
      { at: 'm/2', bytes: 10, lastUsedMs: 5, inUse: 1 },
    ]);
    const gate = deferred();
    b.gate(gate.promise);
    const settled = b.budget.settle();
    expect([slot.state, slot.servable]).toEqual(['UNLOADING', null]);
    gate.resolve();
    await settled;
    expect(slot.state).toBe('START');
  });

  it('unloads each servable once when settles overlap, leaving none stuck', async () => {
    const b = budgetOf(10);
    const [first, second] = await b.loaded([
      { at: 'm/1', bytes: 5, lastUsedMs: 0 },
      { at: 'm/2', bytes: 5, lastUsedMs: 1 },
      { at: 'n/1', bytes: 10, lastUsedMs: 2, inUse: 1 },
      { at: 'n/2', bytes: 5, lastUsedMs: 3, inUse: 1 },
    ]);
    // Two leases end together: both settles start before either unload finishes, and the budget stays over.
    await expect(Promise.all([b.budget.settle(), b.budget.settle()])).resolves.toBeDefined();
    expect(b.released.sort()).toEqual(['m/1', 'm/2']);
    expect([first.state, second.state]).toEqual(['START', 'START']);
  });
});

describe('Manager: byte budget, end to end', () => {
  it('loads a version exactly the size of the cache; one byte more is refused with both sizes', async () => {
    expect(await setup({ '1/model.onnx': 'model-1' }, {}, { cacheBytes: 7 }).versionOf()).toBe(1);
    await expect(setup({ '1/model.onnx': 'model-1' }, {}, { cacheBytes: 6 }).manager.acquire('m')).rejects.toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
      message: 'Version 1 of model m is 7 bytes, more than the model cache holds (cache_bytes=6)',
    });
  });

  it('gives back the bytes of a version whose session could not be created', async () => {
    const { manager, backend, settle } = setup(
      { '1/model.onnx': 'model-1', '2/model.onnx': 'broken2', '3/model.onnx': 'model-3' },
      { versionPolicy: { kind: 'all' } },
      { cacheBytes: 16, pollIntervalMs: -1 },
    );
    (await manager.acquire('m', { version: 1 })).release();
    await expect(manager.acquire('m', { version: 2 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    (await manager.acquire('m', { version: 3 })).release();
    await settle();
    expect(backend.released).toEqual([]); // 7 + 7 bytes fit in 16: version 1 stays loaded
  });

  it('publishes the bytes held by loaded servables', async () => {
    const metrics = servingMetrics();
    const { versionOf } = setup({ '1/model.onnx': 'model-1' }, {}, { metrics });
    await versionOf();
    expect(metrics.registry.render()).toContain('\nedgeserve_model_cache_bytes 7\n');
  });

  it('unloads the versions of a model removed from the model list once no request holds them', async () => {
    const { manager, backend, settle } = setup({ '1/model.onnx': 'model-1' });
    const held = await manager.acquire('m');
    manager.reconfigure([]);
    await settle();
    expect(backend.released).toEqual([]);
    held.release();
    await settle();
    expect(backend.released).toEqual(['model-1']);
  });
});
