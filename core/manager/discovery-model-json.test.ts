import { describe, expect, it } from 'vitest';
import { setup } from '../testing/fake-manager.ts';

// model.json read with each listing (discovery.ts), through the Manager's public API.

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
