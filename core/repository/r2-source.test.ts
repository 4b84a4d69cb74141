import { describe, expect, it } from 'vitest';
import { MemoryR2Bucket } from '../../test/storage/memory-r2.ts';
import { r2Source, type R2BucketLike } from './r2-source.ts';
import type { StoragePolicy } from './storage-call.ts';

// The shared contract (test/storage/sources.test.ts) covers listing and reading; these cover paging and faults.
const location = { scheme: 'r2', bucket: 'MODELS', prefix: 'repo/m' };

describe('r2Source', () => {
  it('pages with the cursor and lists with the "/" delimiter under "<prefix>/"', async () => {
    const bucket = new MemoryR2Bucket();
    for (let v = 1; v <= 5; v++) bucket.put(`repo/m/${v}/model.onnx`, 'x');
    const seen: unknown[] = [];
    const spy: R2BucketLike = { get: (k) => bucket.get(k), list: (o) => (seen.push(o), bucket.list(o)) };
    expect((await r2Source({ bucket: spy, location, pageSize: 2 }).list()).sort()).toEqual(['1', '2', '3', '4', '5']);
    expect(seen).toEqual([
      { prefix: 'repo/m/', delimiter: '/', cursor: undefined, limit: 2 },
      { prefix: 'repo/m/', delimiter: '/', cursor: '2', limit: 2 },
      { prefix: 'repo/m/', delimiter: '/', cursor: '4', limit: 2 },
    ]);
  });

  it('retries binding errors and reports only the R2 error code', async () => {
    const bucket = new MemoryR2Bucket();
    bucket.down = true;
    const policy: StoragePolicy = { timeoutMs: 1000, retries: 2, backoffMs: 1, sleep: async () => {} };
    await expect(r2Source({ bucket, location, policy }).read('1/model.onnx')).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'Cannot read r2://MODELS/repo/m/1/model.onnx: R2 error 10001 after 3 attempts',
    });
    expect(bucket.calls).toBe(3);
  });

  it('times out a binding call that never answers (the binding takes no AbortSignal)', async () => {
    let fire!: () => void;
    const hung: R2BucketLike = { get: () => new Promise(() => {}), list: () => new Promise(() => {}) };
    const policy: StoragePolicy = { timeoutMs: 30_000, retries: 2, backoffMs: 1, setTimer: (f) => ((fire = f), () => {}) };
    const reading = r2Source({ bucket: hung, location, policy }).read('1/model.onnx');
    await Promise.resolve();
    fire();
    await expect(reading).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'Cannot read r2://MODELS/repo/m/1/model.onnx: storage did not answer within 30000 ms' });
  });
});
