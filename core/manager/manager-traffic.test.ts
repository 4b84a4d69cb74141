import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../test/fixtures/onnx-writer.ts';
import { unavailable } from '../errors.ts';
import { deferred, setup } from '../testing/fake-manager.ts';

// model.json "traffic" and "rollback" through the manager: fake source and backend, an injected
// random source, no timers.
const modelJson = (over: object = {}) =>
  JSON.stringify({ labels: { stable: 1, canary: 2 }, traffic: { stable: 90, canary: 10 }, ...over });

async function twoVersions(over: object = {}, files: Record<string, string> = {}) {
  const t = setup({ '1/model.onnx': 'model-1', '2/model.onnx': 'model-2', 'model.json': modelJson(over), ...files }, {}, { random: mulberry32(3) });
  await t.manager.preload();
  return t;
}

async function route(t: Awaited<ReturnType<typeof twoVersions>>, req: object = {}) {
  const lease = await t.manager.acquire('m', req);
  lease.release();
  return { version: lease.servable.version, label: lease.label };
}

describe('weighted traffic between labels', () => {
  it('splits unpinned requests 90/10 and names the label; pinned requests are unaffected', async () => {
    const t = await twoVersions();
    const counts = { 1: 0, 2: 0 } as Record<number, number>;
    for (let i = 0; i < 2000; i++) {
      const { version, label } = await route(t);
      counts[version]++;
      expect(label).toBe(version === 1 ? 'stable' : 'canary');
    }
    expect(Math.abs(counts[2] / 2000 - 0.1)).toBeLessThan(0.03);
    expect(await route(t, { version: 2 })).toEqual({ version: 2, label: undefined });
    expect(await route(t, { label: 'canary' })).toEqual({ version: 2, label: 'canary' });
  });

  it('sends one routing key to one label every time', async () => {
    const t = await twoVersions();
    for (let k = 0; k < 50; k++) {
      const first = await route(t, { routingKey: `user-${k}` });
      for (let i = 0; i < 5; i++) expect(await route(t, { routingKey: `user-${k}` })).toEqual(first);
    }
  });

  it('keeps a label that is still loading out of the split, then lets it in', async () => {
    const t = setup({ '1/model.onnx': 'model-1', 'model.json': JSON.stringify({ labels: { stable: 1 } }) }, {}, { random: () => 0 });
    await t.manager.preload();
    t.source.put('2/model.onnx', 'model-2');
    t.source.put('model.json', modelJson());
    t.clock.ms += 1000;
    await route(t);
    await t.settle(); // the listing that finds v2 and the new model.json
    const gate = deferred();
    t.backend.gate = gate.promise;
    // random() = 0 would pick "canary" (first by name), but it is loading: stable answers.
    expect(await route(t)).toEqual({ version: 1, label: 'stable' });
    expect(t.manager.readiness()[0].versions[0]).toMatchObject({ version: 2, state: 'LOADING' });
    gate.resolve();
    await t.settle();
    expect(await route(t)).toEqual({ version: 2, label: 'canary' });
  });

  it('never routes to a canary that failed to load', async () => {
    const t = await twoVersions({}, { '2/model.onnx': 'not onnx' });
    for (let i = 0; i < 200; i++) expect(await route(t)).toEqual({ version: 1, label: 'stable' });
  });

  it('a cold model waits for its heaviest label', async () => {
    const t = setup({ '1/model.onnx': 'model-1', '2/model.onnx': 'model-2', 'model.json': modelJson() }, {}, { random: () => 0 });
    expect(await route(t)).toEqual({ version: 1, label: 'stable' });
  });

  it('does not load a canary that failed for good again, however many requests are split', async () => {
    const t = await twoVersions({}, { '2/model.onnx': 'not onnx' });
    for (let i = 0; i < 20; i++) await route(t);
    await t.settle();
    expect(t.backend.loads.filter((text) => text === 'not onnx')).toHaveLength(1);
  });

  it('splits a request whose routing key is empty at random, like one without a key', async () => {
    const t = setup({ '1/model.onnx': 'model-1', '2/model.onnx': 'model-2', 'model.json': modelJson() }, {}, { random: () => 0 });
    await t.manager.preload();
    // random() = 0 picks canary (first by name); the empty key's own point would pick stable.
    expect(await route(t, { routingKey: '' })).toEqual({ version: 2, label: 'canary' });
  });

  it('a cold model whose heaviest label fails to load is answered by the next label', async () => {
    const t = setup({ '1/model.onnx': 'broken-1', '2/model.onnx': 'model-2', 'model.json': modelJson() }, {}, { random: () => 0.99 });
    expect(await route(t)).toEqual({ version: 2, label: 'canary' });
  });

  it('a cold model fails the request with the storage fault that stops its heaviest label loading', async () => {
    const t = setup({ '1/model.onnx': 'model-1', '2/model.onnx': 'model-2', 'model.json': modelJson() }, {}, { random: () => 0.99 });
    const read = t.source.read.bind(t.source);
    t.source.read = async (path) => {
      if (path.startsWith('1/')) throw unavailable('Cannot read memory:/1/model.onnx: ECONNRESET');
      return read(path);
    };
    await expect(t.manager.acquire('m')).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'Cannot read memory:/1/model.onnx: ECONNRESET' });
  });

  it('a cold model whose every version fails to load answers with the last load error', async () => {
    const t = setup({ '1/model.onnx': 'broken-1', '2/model.onnx': 'broken-2', 'model.json': modelJson() }, {}, { random: () => 0 });
    await expect(t.manager.acquire('m')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'Could not load the model as ONNX: broken-2' });
  });

  it('a cold model whose labelled versions fail falls back to "latest" when another version can serve', async () => {
    const t = setup({ '1/model.onnx': 'broken-1', '2/model.onnx': 'broken-2', '3/model.onnx': 'model-3', 'model.json': modelJson() }, {}, { random: () => 0 });
    expect(await route(t)).toEqual({ version: 3, label: undefined });
  });

  it('falls back to "latest" when no traffic label names a version in storage', async () => {
    const t = setup({ '1/model.onnx': 'model-1', 'model.json': modelJson({ labels: { stable: 7, canary: 8 } }) }, {}, { random: () => 0 });
    expect(await route(t)).toEqual({ version: 1, label: undefined });
  });

  it('a label whose version left storage drops out of the split: no answer from it and no reload', async () => {
    const t = await twoVersions();
    t.source.files.delete('2/model.onnx'); // the canary withdrawn by deleting it
    t.clock.ms += 1000;
    await route(t);
    await t.settle(); // the listing that no longer finds v2
    const loads = t.backend.loads.length;
    for (let i = 0; i < 100; i++) expect(await route(t)).toEqual({ version: 1, label: 'stable' });
    await t.settle();
    expect(t.backend.loads.length).toBe(loads);
  });

  it('without traffic, "latest" stands', async () => {
    const t = await twoVersions({ traffic: undefined });
    expect(await route(t)).toEqual({ version: 2, label: undefined });
  });
});

describe('rollback guard', () => {
  it('pulls a label whose version fails more than max_error_rate after min_requests, on this instance', async () => {
    const logs: string[] = [];
    const t = setup(
      { '1/model.onnx': 'model-1', '2/model.onnx': 'model-2', 'model.json': modelJson({ rollback: { max_error_rate: 0.2, min_requests: 10 } }) },
      {},
      { random: mulberry32(5), log: (m) => logs.push(m) },
    );
    await t.manager.preload();
    for (let i = 0; i < 9; i++) t.manager.recordOutcome('m', 2, true);
    expect(t.manager.readiness()[0].versions[0].pulled).toBe(false);
    t.manager.recordOutcome('m', 2, true);
    expect(t.manager.readiness()[0].versions[0].pulled).toBe(true);
    // The operator's line says what was pulled, on what counts, and what still reaches it.
    expect(logs.filter((l) => l.includes('rolled back'))).toEqual([
      'model m: rolled back label canary (version 2) on this instance: 10 failed in 10 requests (100.0%), against 0.0% on the other labels ' +
        '(0 in 0): more than 20.0% worse; its traffic goes to the other labels, pinned requests still reach it',
    ]);
    for (let i = 0; i < 10; i++) t.manager.recordOutcome('m', 2, true);
    expect(logs.filter((l) => l.includes('rolled back'))).toHaveLength(1); // pulled once: no second log line
    for (let i = 0; i < 300; i++) expect((await route(t)).version).toBe(1);
    expect(await route(t, { label: 'canary' })).toEqual({ version: 2, label: 'canary' });
  });

  it('compares with the other labels: failures that stable has too (bad input) pull nothing (issue 23)', async () => {
    const t = await twoVersions({ rollback: { max_error_rate: 0.2, min_requests: 10 } });
    // A client sends ids out of range: both versions refuse half the requests they see.
    for (let i = 0; i < 50; i++) {
      t.manager.recordOutcome('m', 1, i % 2 === 0);
      t.manager.recordOutcome('m', 2, i % 2 === 0);
    }
    expect(t.manager.readiness()[0].versions.map((v) => v.pulled)).toEqual([false, false]);
    // The canary then fails where stable answers: pulled once it is more than 20 points worse
    // (33 more failures: 58 in 83, 69.9% against stable's 50%; the 34th: 59 in 84, 70.2%).
    const pulled = () => t.manager.readiness()[0].versions.find((v) => v.version === 2)!.pulled;
    for (let i = 0; i < 33; i++) t.manager.recordOutcome('m', 2, true);
    expect(pulled()).toBe(false);
    t.manager.recordOutcome('m', 2, true);
    expect(pulled()).toBe(true);
  });

  it('leaves a label whose error rate is within the guard', async () => {
    const t = await twoVersions({ rollback: { max_error_rate: 0.5, min_requests: 10 } });
    for (let i = 0; i < 20; i++) t.manager.recordOutcome('m', 2, i % 2 === 1);
    expect(t.manager.readiness()[0].versions[0].pulled).toBe(false);
  });
});
