import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { s3Source } from './s3-source.ts';
import type { StoragePolicy } from './storage-call.ts';

// A scripted S3 client: each send() is answered by `respond`, and every command is recorded.
type Sent = { command: string; input: Record<string, unknown> };
function scripted(respond: (sent: Sent, n: number) => unknown) {
  const sent: Sent[] = [];
  const client = {
    send: async (command: GetObjectCommand | ListObjectsV2Command) => {
      const entry = { command: command.constructor.name, input: { ...command.input } as Record<string, unknown> };
      sent.push(entry);
      const out = respond(entry, sent.length);
      if (out instanceof Error) throw out;
      return out;
    },
  } as unknown as Pick<S3Client, 'send'>;
  return { client, sent };
}

const sleeps: number[] = [];
const POLICY: StoragePolicy = { timeoutMs: 1000, retries: 2, backoffMs: 10, sleep: async (ms) => void sleeps.push(ms) };
const location = { scheme: 's3', bucket: 'bucket', prefix: 'models/m' };

function sdkError(name: string, status: number | undefined, message = 'The request signature ... AKIASECRETKEY'): Error {
  return Object.assign(new Error(message), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });
}

describe('s3Source', () => {
  it('lists with Delimiter "/" under "<prefix>/", following continuation tokens', async () => {
    const { client, sent } = scripted((_s, n) =>
      n === 1
        ? { CommonPrefixes: [{ Prefix: 'models/m/1/' }], Contents: [{ Key: 'models/m/model.json' }], IsTruncated: true, NextContinuationToken: 't1' }
        : { CommonPrefixes: [{ Prefix: 'models/m/2/' }], IsTruncated: false },
    );
    const names = await s3Source({ client, location, policy: POLICY, pageSize: 2 }).list();
    expect(names).toEqual(['1', 'model.json', '2']);
    expect(sent.map((s) => s.input)).toEqual([
      { Bucket: 'bucket', Prefix: 'models/m/', Delimiter: '/', ContinuationToken: undefined, MaxKeys: 2 },
      { Bucket: 'bucket', Prefix: 'models/m/', Delimiter: '/', ContinuationToken: 't1', MaxKeys: 2 },
    ]);
  });

  it('lists the bucket root for an empty prefix', async () => {
    const { client, sent } = scripted(() => ({ CommonPrefixes: [{ Prefix: 'a/' }], IsTruncated: false }));
    expect(await s3Source({ client, location: { ...location, prefix: '' }, policy: POLICY }).list()).toEqual(['a']);
    expect(sent[0].input.Prefix).toBe('');
  });

  it('reads "<prefix>/<path>" into a buffer of Content-Length bytes', async () => {
    const chunks = [new Uint8Array([1, 2]), new Uint8Array([3])];
    const { client, sent } = scripted(() => ({ ContentLength: 3, Body: (async function* () { yield* chunks; })() }));
    const bytes = await s3Source({ client, location, policy: POLICY }).read('7/model.onnx');
    expect(bytes).toEqual(new Uint8Array([1, 2, 3]));
    expect(bytes!.buffer.byteLength).toBe(3); // one allocation, no joined copy
    expect(sent).toEqual([{ command: 'GetObjectCommand', input: { Bucket: 'bucket', Key: 'models/m/7/model.onnx' } }]);
  });

  it('reads null for a missing key and never sends a request for an unsafe path', async () => {
    const { client, sent } = scripted(() => sdkError('NoSuchKey', 404));
    const source = s3Source({ client, location, policy: POLICY });
    expect(await source.read('1/model.onnx')).toBeNull();
    for (const path of ['../other/1/model.onnx', '/abs', '1/../../x', '']) expect(await source.read(path)).toBeNull();
    expect(sent).toHaveLength(1);
  });

  it('retries 5xx and throttling, then succeeds', async () => {
    const { client, sent } = scripted((_s, n) =>
      n === 1 ? sdkError('InternalError', 500) : n === 2 ? sdkError('SlowDown', 503) : { ContentLength: 1, Body: new Uint8Array([9]) },
    );
    expect(await s3Source({ client, location, policy: POLICY }).read('1/model.onnx')).toEqual(new Uint8Array([9]));
    expect(sent).toHaveLength(3);
  });

  it('retries a body cut short, and says so when it keeps happening', async () => {
    const { client, sent } = scripted(() => ({ ContentLength: 10, Body: new Uint8Array([1, 2, 3]) }));
    await expect(s3Source({ client, location, policy: POLICY }).read('1/model.onnx')).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'Cannot read s3://bucket/models/m/1/model.onnx: connection closed early (body has 3 of 10 bytes) after 3 attempts',
    });
    expect(sent).toHaveLength(3);
  });

  it.each([
    ['AccessDenied', 403, 'Cannot read s3://bucket/models/m/1/model.onnx: AccessDenied (HTTP 403)', 1],
    ['NoSuchBucket', 404, 'Cannot read s3://bucket/models/m/1/model.onnx: NoSuchBucket (HTTP 404)', 1],
    ['Error', undefined, 'Cannot read s3://bucket/models/m/1/model.onnx: network error after 3 attempts', 3],
    ['CredentialsProviderError', undefined, 'Cannot read s3://bucket/models/m/1/model.onnx: no AWS credentials found (CredentialsProviderError)', 1],
  ])('reports %s without the SDK message (which may quote credentials)', async (name, status, message, attempts) => {
    const { client, sent } = scripted(() => sdkError(name, status));
    await expect(s3Source({ client, location, policy: POLICY }).read('1/model.onnx')).rejects.toMatchObject({ code: 'UNAVAILABLE', message });
    expect(sent).toHaveLength(attempts);
  });

  it('reports network errors by their code', async () => {
    const { client } = scripted(() => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }));
    await expect(s3Source({ client, location, policy: POLICY }).list()).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'Cannot list s3://bucket/models/m/: ECONNREFUSED after 3 attempts',
    });
  });
});
