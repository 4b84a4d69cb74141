import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Source } from '../../core/repository/s3-source.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { CREDENTIALS, startS3rver, type S3rverHarness } from './s3rver.ts';

// Why a stalled store's manifest GET was retried 5.5 s in and failed only after 15 s: the SDK
// reuses a kept-alive connection; the store (Node's HTTP server: keepAliveTimeout 5 s) closes it
// while the request hangs unanswered, the SDK reports ECONNRESET, and storageCall retried with a
// fresh 10 s timeout. Now one no-progress timer spans the whole call. Scaled down here: the store
// keeps idle connections 2 s (Node closes them about 1 s later) and the call's timeout is 4 s.
const TIMEOUT_MS = 4000;
const KEEP_ALIVE_MS = 2000;

let s3: S3rverHarness;
let proxy: TcpProxy;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3rver('models');
  s3.httpServer.keepAliveTimeout = KEEP_ALIVE_MS;
  await s3.put('repo/m/1/manifest.json', '{"files": []}');
  proxy = await startTcpProxy(Number(new URL(s3.endpoint).port));
  client = new S3Client({ endpoint: proxy.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS, maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  await proxy?.stop();
  await s3?.stop();
});

describe('a stalled store', () => {
  it('fails a read at its timeout, even when the store drops the connection and the call retries', async () => {
    const source = s3Source({ client, location: { scheme: 's3', bucket: 'models', prefix: 'repo/m' }, policy: { timeoutMs: TIMEOUT_MS, retries: 2, backoffMs: 50 } });
    expect(await source.list()).toEqual(['1']); // leaves a kept-alive connection for the next call
    proxy.set({ kind: 'stall' });
    const accepted = proxy.accepted;
    const started = performance.now();
    await expect(source.read('1/manifest.json')).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: `Cannot read s3://models/repo/m/1/manifest.json: storage did not answer within ${TIMEOUT_MS} ms`,
    });
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 1500);
    expect(proxy.accepted).toBeGreaterThan(accepted); // the dropped connection was retried on a new one
  });
});
