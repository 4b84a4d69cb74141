import { describe, expect, it } from 'vitest';
import { setup } from '../testing/fake-manager.ts';

// Polling and storage backoff (discovery.ts, and loader.ts for loads), through the Manager's public API.

describe('Manager: polling', () => {
  it('makes no storage calls for warm requests within the poll interval', async () => {
    const { source, clock, versionOf } = setup({ '1/model.onnx': 'model-1' });
    await versionOf();
    const calls = source.calls;
    clock.ms = 999;
    for (let i = 0; i < 10; i++) await versionOf();
    expect(source.calls).toBe(calls);
  });
  it('keeps warm versions serving while storage is down; cold requests get UNAVAILABLE', async () => {
    const { source, clock, versionOf, settle, manager } = setup(
      { '1/model.onnx': 'model-1', '2/model.onnx': 'model-2' },
      { versionPolicy: { kind: 'all' } },
    );
    expect(await versionOf({ version: 1 })).toBe(1);
    source.down = true;
    clock.ms = 5000;
    expect(await versionOf({ version: 1 })).toBe(1);
    await settle();
    await expect(manager.acquire('m', { version: 2 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    source.down = false;
    const calls = source.calls;
    clock.ms += 999; // within the backoff: fail fast, without touching storage
    await expect(manager.acquire('m', { version: 2 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(source.calls).toBe(calls);
    clock.ms += 1;
    expect(await versionOf({ version: 2 })).toBe(2); // a storage fault is retried after the backoff
  });
});

describe('Manager: storage faults back off', () => {
  it('fails a never-listed model fast while storage is down, and lists again after the backoff', async () => {
    const { source, clock, manager, versionOf } = setup({ '1/model.onnx': 'model-1' });
    source.down = true;
    await expect(manager.acquire('m')).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'Storage at memory: is unreachable' });
    const calls = source.calls;
    clock.ms = 999;
    for (let i = 0; i < 5; i++) await expect(manager.acquire('m')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(source.calls).toBe(calls);
    clock.ms = 1000; // second failure: the next wait doubles
    await expect(manager.acquire('m')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    clock.ms = 2999;
    await expect(manager.acquire('m')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(source.calls).toBe(calls + 1);
    source.down = false;
    clock.ms = 3000;
    expect(await versionOf()).toBe(1);
  });
  it('revalidates a warm model at most once per backoff while storage is down', async () => {
    const { source, clock, settle, versionOf } = setup({ '1/model.onnx': 'model-1' });
    await versionOf();
    source.down = true;
    const calls = source.calls;
    for (let t = 1000; t <= 8000; t += 250) {
      clock.ms = t;
      expect(await versionOf()).toBe(1);
      await settle();
    }
    // Listings at 1000, 2000 (+1 s), 4000 (+2 s), 8000 (+4 s): not one per request or per interval.
    expect(source.calls - calls).toBe(4);
  });
});
