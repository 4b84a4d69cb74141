import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { s3Source } from './s3-source.ts';
import type { StoragePolicy } from './storage-call.ts';

// s3Source.open(): the streamed read the disk tier uses for external data.
const location = { scheme: 's3', bucket: 'bucket', prefix: 'models/m' };
const client = (body: unknown, length?: number, missing = false) =>
  ({
    send: async () => {
      if (missing) throw Object.assign(new Error('nope'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
      return { Body: body, ContentLength: length };
    },
  }) as unknown as Pick<S3Client, 'send'>;

async function collect(chunks: AsyncIterable<Uint8Array> | null): Promise<number[]> {
  const out: number[] = [];
  for await (const c of chunks!) out.push(...c);
  return out;
}

describe('s3Source.open', () => {
  const policy: StoragePolicy = { timeoutMs: 1000, retries: 0, backoffMs: 1 };

  it('hands the body on chunk by chunk; a missing key is null; an unsafe path never asks', async () => {
    async function* body() {
      yield new Uint8Array([1, 2]);
      yield new Uint8Array([3]);
    }
    expect(await collect(await s3Source({ client: client(body(), 3), location, policy }).open!('1/model.onnx.data'))).toEqual([1, 2, 3]);
    expect(await s3Source({ client: client(null, 0, true), location, policy }).open!('1/x')).toBeNull();
    expect(await s3Source({ client: client(null), location, policy }).open!('../x')).toBeNull();
  });

  it('a body cut short is UNAVAILABLE', async () => {
    async function* body() {
      yield new Uint8Array([1, 2]);
    }
    const chunks = await s3Source({ client: client(body(), 5), location, policy }).open!('1/d');
    await expect(collect(chunks)).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('s3://bucket/models/m/1/d') });
  });

  it('a body that stalls for timeoutMs is UNAVAILABLE, and the body is aborted', async () => {
    let fire = () => {};
    const stalling: StoragePolicy = { ...policy, setTimer: (f) => ((fire = f), () => {}) };
    let destroyed = false;
    const body = {
      [Symbol.asyncIterator]: () => ({ next: () => new Promise(() => {}) }),
      destroy: () => (destroyed = true),
    };
    const chunks = (await s3Source({ client: client(body, 10), location, policy: stalling }).open!('1/d'))!;
    const reading = collect(chunks);
    await new Promise((r) => setImmediate(r));
    fire();
    await expect(reading).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/sent nothing for 1000 ms/) });
    expect(destroyed).toBe(true);
  });
});
