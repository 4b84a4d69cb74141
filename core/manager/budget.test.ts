import { describe, expect, it } from 'vitest';
import { setup } from '../testing/fake-manager.ts';

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

