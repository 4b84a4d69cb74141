import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryR2Bucket } from '../../test/storage/memory-r2.ts';
import { r2Source, type R2BucketLike } from './r2-source.ts';
import type { StoragePolicy } from './storage-call.ts';

// The shared contract (test/storage/sources.test.ts) covers listing and reading; these cover paging and faults.
const location = { scheme: 'r2', bucket: 'MODELS', prefix: 'repo/m' };
const noWait: StoragePolicy = { timeoutMs: 1000, retries: 2, backoffMs: 1, sleep: async () => {} };

/** A binding whose calls all reject with `err`, as a real binding does on a fault. */
function failing(err: unknown): R2BucketLike {
  return { get: () => Promise.reject(err), list: () => Promise.reject(err) };
}
const readFrom = (bucket: R2BucketLike) => r2Source({ bucket, location, policy: noWait }).read('1/model.onnx');

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

  it('reads an object\'s bytes, and null for a missing one', async () => {
    const bucket = new MemoryR2Bucket();
    bucket.put('repo/m/1/model.onnx', 'onnx');
    const source = r2Source({ bucket, location });
    expect(source.location).toBe('r2://MODELS/repo/m');
    expect(source.requiresManifest).toBe(true); // uploads to R2 are not atomic
    expect(await source.read('1/model.onnx')).toEqual(new TextEncoder().encode('onnx'));
    expect(await source.read('2/model.onnx')).toBeNull();
  });

  it('answers an unsafe path with null without calling the binding', async () => {
    const bucket = new MemoryR2Bucket();
    bucket.put('repo/x', 'outside');
    const source = r2Source({ bucket, location });
    expect(await source.read('../x')).toBeNull();
    expect(bucket.calls).toBe(0);
  });

  it('lists objects and folders directly under the prefix, skipping a folder marker', async () => {
    const bucket = new MemoryR2Bucket();
    bucket.put('repo/m/', ''); // a zero-byte "folder" object, as some upload tools create
    bucket.put('repo/m/model.json', '{}');
    bucket.put('repo/m/1/model.onnx', 'x');
    expect((await r2Source({ bucket, location }).list()).sort()).toEqual(['1', 'model.json']);
  });

  it('names the listed prefix when a list fails', async () => {
    const bucket = new MemoryR2Bucket();
    bucket.down = true;
    await expect(r2Source({ bucket, location, policy: noWait }).list()).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'Cannot list r2://MODELS/repo/m/: R2 error 10001 after 3 attempts',
    });
  });

  it('takes the R2 error code only from the end of the message, trailing spaces allowed', async () => {
    await expect(readFrom(failing(new Error('get: internal error (10001)  \n')))).rejects.toThrow(
      'Cannot read r2://MODELS/repo/m/1/model.onnx: R2 error 10001 after 3 attempts',
    );
    await expect(readFrom(failing(new Error('get: key "(10001)" failed')))).rejects.toThrow(
      'Cannot read r2://MODELS/repo/m/1/model.onnx: Error after 3 attempts',
    );
  });

  it('reports an error without a code by its name', async () => {
    await expect(readFrom(failing(new TypeError('Failed to fetch: secret details')))).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'Cannot read r2://MODELS/repo/m/1/model.onnx: TypeError after 3 attempts',
    });
  });

  it('reports "R2 error" for a rejection that is not an Error', async () => {
    for (const err of [null, 'internal error (10001)', { name: 'has spaces' }]) {
      await expect(readFrom(failing(err))).rejects.toMatchObject({
        code: 'UNAVAILABLE',
        message: 'Cannot read r2://MODELS/repo/m/1/model.onnx: R2 error after 3 attempts',
      });
    }
  });

  describe('by default', () => {
    afterEach(() => {
      vi.useRealTimers();
      vi.restoreAllMocks();
    });

    it('waits 30 s for a binding call that never answers', async () => {
      vi.useFakeTimers();
      const hung: R2BucketLike = { get: () => new Promise(() => {}), list: () => new Promise(() => {}) };
      const reading = r2Source({ bucket: hung, location }).read('1/model.onnx');
      let settled = false;
      reading.catch(() => {}).finally(() => (settled = true));
      await vi.advanceTimersByTimeAsync(29_999);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await expect(reading).rejects.toThrow('Cannot read r2://MODELS/repo/m/1/model.onnx: storage did not answer within 30000 ms');
    });

    it('retries a failing binding twice, backing off up to 200 ms, then up to 400 ms', async () => {
      vi.useFakeTimers();
      vi.spyOn(Math, 'random').mockReturnValue(0.5); // full jitter: half of each bound
      const bucket = new MemoryR2Bucket();
      bucket.down = true;
      const reading = r2Source({ bucket, location }).read('1/model.onnx');
      reading.catch(() => {});
      await vi.advanceTimersByTimeAsync(99);
      expect(bucket.calls).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(bucket.calls).toBe(2);
      await vi.advanceTimersByTimeAsync(199);
      expect(bucket.calls).toBe(2);
      await vi.advanceTimersByTimeAsync(1);
      expect(bucket.calls).toBe(3);
      await expect(reading).rejects.toThrow('Cannot read r2://MODELS/repo/m/1/model.onnx: R2 error 10001 after 3 attempts');
    });
  });
});
