import { describe, expect, it } from 'vitest';
import { MemorySource } from '../repository/memory-source.ts';
import { sha256Hex } from '../repository/version-files.ts';
import { FakeBackend, config, deferred, setup } from '../testing/fake-manager.ts';
import { Manager } from './manager.ts';

// Resolution, single-flight loads, swaps and integrity, through the Manager's public API.

describe('Manager', () => {
  it('serves the highest version, comparing folder names as numbers', async () => {
    const { versionOf } = setup({ '9/model.onnx': 'model-9', '10/model.onnx': 'model-10', 'x/model.onnx': 'model-x' });
    expect(await versionOf()).toBe(10);
  });
  it('reads leading-zero folders as their number', async () => {
    const { versionOf, manager } = setup({ '00000123/model.onnx': 'model-123' });
    expect(await versionOf({ version: 123 })).toBe(123);
    expect(await manager.status('m')).toEqual([{ version: 123, state: 'AVAILABLE', error: null }]);
  });
  it('loads a version once however many requests ask for it at the same time', async () => {
    const { manager, backend } = setup({ '1/model.onnx': 'model-1' });
    const leases = await Promise.all(Array.from({ length: 20 }, () => manager.acquire('m')));
    expect(backend.loads).toEqual(['model-1']);
    leases.forEach((l) => l.release());
  });
  it('keeps serving the old version while a new one loads, then swaps and unloads the old', async () => {
    const { source, backend, clock, settle, versionOf, manager } = setup({ '1/model.onnx': 'model-1' });
    expect(await versionOf()).toBe(1);
    source.put('2/model.onnx', 'model-2');
    const gate = deferred();
    backend.gate = gate.promise;
    clock.ms = 1000; // the listing is now stale: revalidated in the background
    expect(await versionOf()).toBe(1);
    await Promise.resolve();
    await settle(); // the listing; the load of v2 is held by the gate
    expect(await versionOf()).toBe(1);
    expect((await manager.status('m', 2))[0].state).toBe('LOADING');
    gate.resolve();
    await settle();
    expect(await versionOf()).toBe(2);
    await settle();
    expect(backend.released).toEqual(['model-1']);
    expect((await manager.status('m')).map((s) => [s.version, s.state])).toEqual([
      [2, 'AVAILABLE'],
      [1, 'END'],
    ]);
  });
  it('reports a listed version that no request has loaded yet as START', async () => {
    const { manager } = setup({ '1/model.onnx': 'model-1' });
    expect(await manager.status('m')).toEqual([{ version: 1, state: 'START', error: null }]);
  });
  it('answers "latest" from the highest warm version while a newer one loads, not from an older warm one', async () => {
    const { source, clock, settle, versionOf } = setup({ '1/model.onnx': 'model-1' }, { versionPolicy: { kind: 'all' } });
    expect(await versionOf()).toBe(1);
    for (const v of [2, 3]) {
      source.put(`${v}/model.onnx`, `model-${v}`);
      clock.ms += 1000; // the listing is stale: revalidated in the background
      expect(await versionOf()).toBe(v - 1);
      await settle(); // the listing finds v
      expect(await versionOf()).toBe(v - 1); // v loads in the background; v - 1 answers meanwhile
      await settle();
    }
    expect(await versionOf()).toBe(3);
  });
  it('serves an older version again once the newer one that replaced it is deleted from storage', async () => {
    const { source, clock, settle, versionOf, manager } = setup({ '1/model.onnx': 'model-1' });
    expect(await versionOf()).toBe(1);
    source.put('2/model.onnx', 'model-2');
    clock.ms = 1000;
    await versionOf();
    await settle();
    expect(await versionOf()).toBe(1);
    await settle();
    expect(await versionOf()).toBe(2);
    await settle();
    expect((await manager.status('m', 1))[0].state).toBe('END'); // unloaded: it left the policy
    source.files.delete('2/model.onnx'); // a bad release rolled back by deleting it
    clock.ms = 2000;
    await versionOf();
    await settle();
    await versionOf();
    await settle();
    expect(await versionOf()).toBe(1);
  });
  it('marks a version that fails to load END with its error and falls back to the previous one', async () => {
    const { versionOf, manager } = setup({ '1/model.onnx': 'model-1', '2/model.onnx': 'not onnx' }, {
      versionPolicy: { kind: 'all' },
    });
    expect(await versionOf()).toBe(1);
    const [v2, v1] = await manager.status('m');
    expect(v2.state).toBe('END');
    expect(v2.error?.message).toContain('Could not load the model as ONNX');
    expect(v1.state).toBe('AVAILABLE');
    await expect(versionOf({ version: 2 })).rejects.toThrow('Servable not found for request: Specific(m, 2)');
  });
  it('resolves labels and explicit versions, with TF Serving wording on misses', async () => {
    const { versionOf } = setup(
      { '1/model.onnx': 'model-1', '2/model.onnx': 'model-2' },
      { versionPolicy: { kind: 'all' }, labels: { stable: 1, canary: 2 } },
    );
    expect(await versionOf({ label: 'stable' })).toBe(1);
    expect(await versionOf({ label: 'canary' })).toBe(2);
    expect(await versionOf({ version: 1 })).toBe(1);
    await expect(versionOf({ label: 'nope' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'Unrecognized servable version label: nope',
    });
    await expect(versionOf({ version: 7 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'Servable not found for request: Specific(m, 7)',
    });
  });
  it('serves a labelled version even when the policy would not keep it', async () => {
    const { versionOf } = setup({ '1/model.onnx': 'model-1', '2/model.onnx': 'model-2' }, { labels: { stable: 1 } });
    expect(await versionOf()).toBe(2);
    expect(await versionOf({ label: 'stable' })).toBe(1);
  });
  it('answers unknown models as TF Serving does', async () => {
    const { manager } = setup({ '1/model.onnx': 'model-1' });
    await expect(manager.acquire('nope')).rejects.toThrow('Servable not found for request: Latest(nope)');
    await expect(manager.status('nope')).rejects.toThrow('Could not find any versions of model nope');
    await expect(manager.status('m', 5)).rejects.toThrow('Could not find version 5 of model m');
  });
  it('never serves a version whose manifest is missing or whose bytes do not match it', async () => {
    const source = new MemorySource('memory:', true);
    const good = new TextEncoder().encode('model-1');
    source.put('1/model.onnx', good);
    source.put('1/manifest.json', JSON.stringify({ files: [{ path: 'model.onnx', size: 7, sha256: await sha256Hex(good) }] }));
    source.put('2/model.onnx', 'model-2'); // upload in progress: no manifest yet
    source.put('3/model.onnx', 'model-X');
    source.put('3/manifest.json', JSON.stringify({ files: [{ path: 'model.onnx', size: 7, sha256: await sha256Hex(good) }] }));
    const manager = new Manager([{ config: config({ versionPolicy: { kind: 'all' } }), source }], {
      backend: new FakeBackend(),
      cacheBytes: 1 << 20,
      pollIntervalMs: 1000,
    });
    const lease = await manager.acquire('m');
    expect(lease.servable.version).toBe(1);
    lease.release();
    const status = await manager.status('m');
    expect(status.map((s) => [s.version, s.state, s.error?.code])).toEqual([
      [3, 'END', 'DATA_LOSS'],
      [1, 'AVAILABLE', undefined],
    ]);
    expect(status[0].error?.message).toContain('does not match its sha256');
  });
});
