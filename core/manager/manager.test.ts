import { describe, expect, it } from 'vitest';
import type { Backend, Session } from '../backend/backend.ts';
import type { ModelConfig } from '../config/model-config.ts';
import { ServingError } from '../errors.ts';
import { MemorySource } from '../repository/memory-source.ts';
import { sha256Hex } from '../repository/version-files.ts';
import { Manager, type ManagerOptions } from './manager.ts';

// A fake backend: a "model" is the text "model-<tag>"; anything else fails to load, like bytes that
// are not ONNX. Loads can be held open to observe states mid-load.
class FakeBackend implements Backend {
  readonly name = 'fake';
  loads: string[] = [];
  released: string[] = [];
  gate: Promise<void> | null = null;

  async load(bytes: Uint8Array): Promise<Session> {
    const text = new TextDecoder().decode(bytes);
    this.loads.push(text);
    if (this.gate) await this.gate;
    if (!text.startsWith('model-')) throw new ServingError('INVALID_ARGUMENT', `Could not load the model as ONNX: ${text}`);
    return {
      signature: { inputs: [], outputs: [] },
      run: async () => ({ tag: { dtype: 'string', dims: [1], data: [text] } }),
      release: async () => {
        this.released.push(text);
      },
    };
  }
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const config = (over: Partial<ModelConfig> = {}): ModelConfig => ({
  name: 'm',
  basePath: 'memory:',
  platform: 'onnx',
  versionPolicy: { kind: 'latest', numVersions: 1 },
  labels: {},
  ...over,
});

function setup(files: Record<string, string>, over: Partial<ModelConfig> = {}, opts: Partial<ManagerOptions> = {}) {
  const source = new MemorySource();
  for (const [p, b] of Object.entries(files)) source.put(p, b);
  const backend = new FakeBackend();
  const clock = { ms: 0 };
  const background: Promise<unknown>[] = [];
  const manager = new Manager([{ config: config(over), source }], {
    backend,
    cacheBytes: 1 << 20,
    pollIntervalMs: 1000,
    now: () => clock.ms,
    defer: (p) => background.push(p),
    ...opts,
  });
  const settle = () => Promise.all(background.splice(0));
  const versionOf = async (req = {}) => {
    const lease = await manager.acquire('m', req);
    lease.release();
    return lease.servable.version;
  };
  return { source, backend, clock, manager, settle, versionOf };
}

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

  it('makes no storage calls for warm requests within the poll interval', async () => {
    const { source, clock, versionOf } = setup({ '1/model.onnx': 'model-1' });
    await versionOf();
    const calls = source.calls;
    clock.ms = 999;
    for (let i = 0; i < 10; i++) await versionOf();
    expect(source.calls).toBe(calls);
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

describe('Manager: model.json', () => {
  const json = (doc: unknown) => JSON.stringify(doc);

  it('takes labels and the version policy from model.json over the config', async () => {
    const { versionOf, manager } = setup(
      {
        '1/model.onnx': 'model-1',
        '2/model.onnx': 'model-2',
        '3/model.onnx': 'model-3',
        'model.json': json({ version_policy: { latest: { num_versions: 2 } }, labels: { stable: 1 } }),
      },
      { labels: { stable: 3, old: 3 } },
    );
    expect(await versionOf()).toBe(3);
    expect(await versionOf({ version: 2 })).toBe(2); // latest(2) from model.json, not latest(1)
    expect(await versionOf({ label: 'stable' })).toBe(1);
    await expect(versionOf({ label: 'old' })).rejects.toThrow('Unrecognized servable version label: old');
    await expect(versionOf({ label: 'toString' })).rejects.toThrow('Unrecognized servable version label: toString');
    expect(manager.batchingFor('m')).toBeUndefined();
  });

  it('refuses a model placed on the container tier on an edge target, before reading its bytes', async () => {
    const files = { '1/model.onnx': 'model-1', 'model.json': json({ placement: 'container' }) };
    const edge = setup(files, {}, { tier: 'edge', maxModelBytesAdvice: 'serve it from https://gpu.example' });
    await expect(edge.versionOf()).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    await expect(edge.versionOf()).rejects.toThrow(/not found|placement/);
    const [status] = await edge.manager.status('m');
    expect(status.error?.message).toContain('"placement": "container"');
    expect(status.error?.message).toContain('https://gpu.example');
    expect(edge.backend.loads).toEqual([]);
    expect(await setup(files).versionOf()).toBe(1); // the Node server and the container serve it
  });

  it('moves a label with one upload, and back again, after the poll interval', async () => {
    const { source, clock, settle, versionOf } = setup({
      '1/model.onnx': 'model-1',
      '2/model.onnx': 'model-2',
      'model.json': json({ labels: { stable: 1 } }),
    });
    expect(await versionOf({ label: 'stable' })).toBe(1);
    source.put('model.json', json({ labels: { stable: 2 } }));
    clock.ms = 999;
    expect(await versionOf({ label: 'stable' })).toBe(1); // within the interval: not re-read
    clock.ms = 1000;
    await versionOf();
    await settle();
    expect(await versionOf({ label: 'stable' })).toBe(2);
    await settle();
    source.put('model.json', json({ labels: { stable: 1 } })); // roll back
    clock.ms = 2000;
    await versionOf();
    await settle();
    expect(await versionOf({ label: 'stable' })).toBe(1);
  });

  it('keeps the previous settings when model.json turns bad, logging the reason once', async () => {
    const log: string[] = [];
    const { source, clock, settle, versionOf } = setup(
      { '1/model.onnx': 'model-1', '2/model.onnx': 'model-2', 'model.json': json({ labels: { stable: 1 } }) },
      {},
      { log: (m) => log.push(m) },
    );
    expect(await versionOf({ label: 'stable' })).toBe(1);
    for (const bad of ['{"labels": {"stable": 2}', json({ labels: { stable: 0 } }), json({ lables: { stable: 2 } })]) {
      source.put('model.json', bad);
      clock.ms += 1000;
      await versionOf();
      await settle();
      clock.ms += 1000; // the same bad file again: no new log line
      await versionOf();
      await settle();
      expect(await versionOf({ label: 'stable' })).toBe(1);
    }
    const errors = log.filter((m) => m.includes('ignoring memory:/model.json, keeping the previous settings'));
    expect(errors).toHaveLength(3);
    expect(errors[0]).toContain('invalid JSON');
    expect(errors[1]).toContain('labels.stable: must be a positive integer, got 0');
    expect(errors[2]).toContain('unknown field "lables"');
  });

  it('returns to the config settings when model.json is deleted', async () => {
    const { source, clock, settle, versionOf } = setup(
      { '1/model.onnx': 'model-1', '2/model.onnx': 'model-2', 'model.json': json({ labels: { stable: 2 } }) },
      { labels: { stable: 1 } },
    );
    expect(await versionOf({ label: 'stable' })).toBe(2);
    source.files.delete('model.json');
    clock.ms = 1000;
    await versionOf();
    await settle();
    expect(await versionOf({ label: 'stable' })).toBe(1);
  });

  it('exposes the batching section for the batcher, parsed with defaults', async () => {
    const { manager, versionOf } = setup(
      { '1/model.onnx': 'model-1', 'model.json': json({ batching: { max_batch_size: 8, batch_timeout_micros: 500 } }) },
      {},
      { batchingDefaults: { numBatchThreads: 4 } },
    );
    await versionOf();
    expect(manager.batchingFor('m')).toMatchObject({ maxBatchSize: 8, batchTimeoutMicros: 500, numBatchThreads: 4, maxEnqueuedBatches: 10 });
    expect(manager.batchingFor('nope')).toBeUndefined();
  });

  it('does not read model.json when the listing has none (one call per revalidation)', async () => {
    const { source, clock, settle, versionOf } = setup({ '1/model.onnx': 'model-1' });
    await versionOf();
    const calls = source.calls;
    clock.ms = 1000;
    await versionOf();
    await settle();
    expect(source.calls - calls).toBe(1);
  });
});
