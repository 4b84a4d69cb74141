import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../core/repository/version-files.ts';
import { externalize, mlpSpec } from '../fixtures/onnx-writer.ts';
import { PREFIX, startBucket, type TestBucket } from './bucket.ts';
import { call, eventFor } from './events.ts';
import { environment, environmentsIdle } from './service.ts';

// Lambda with a model whose weights live in external data: streamed from S3 into /tmp, verified,
// opened there by onnxruntime-node, answering as a direct run.
const { model, files } = externalize(mlpSpec({ layers: [32, 256, 4], seed: 5 }));
const data = files.get('model.onnx.data')!;
const x = Array.from({ length: 32 }, (_, i) => Math.cos(i));
let bucket: TestBucket;
let root: string;

beforeAll(async () => {
  bucket = await startBucket('edgeserve-external', []);
  root = mkdtempSync(join(tmpdir(), 'edgeserve-lambda-external-'));
  const put = (key: string, body: Uint8Array | string) => bucket.client.send(new PutObjectCommand({ Bucket: bucket.bucket, Key: `${PREFIX}/big/1/${key}`, Body: body }));
  await put('model.onnx', model);
  await put('model.onnx.data', data);
  const entry = async (path: string, b: Uint8Array) => ({ path, size: b.byteLength, sha256: await sha256Hex(b) });
  await put('manifest.json', JSON.stringify({ files: [await entry('model.onnx', model), await entry('model.onnx.data', data)] }));
});
afterAll(async () => {
  await bucket?.stop();
  await environmentsIdle();
  rmSync(root, { recursive: true, force: true });
});

describe('Lambda: external data', () => {
  it('streams the files to /tmp, opens them there, and answers as a direct run', async () => {
    const tmp = join(root, 'tmp');
    const lambda = environment(bucket, { MODEL_NAME: 'big', MODEL_BASE_PATH: bucket.url(), TMP_CACHE_DIR: tmp });
    const res = await call(lambda.handler, eventFor('http-api-v2', { method: 'POST', path: '/v1/models/big:predict', body: JSON.stringify({ instances: [x] }) }));
    expect(res.status, res.text).toBe(200);

    const session = await ort.InferenceSession.create(model, { externalData: [{ path: 'model.onnx.data', data }] } as ort.InferenceSession.SessionOptions);
    const want = (await session.run({ x: new ort.Tensor('float32', Float32Array.from(x), [1, 32]) })).y.data as Float32Array;
    expect(res.json().predictions[0].map((v: number) => Math.fround(v))).toEqual(Array.from(want));
    await session.release();

    // One disk tier: the version's folder, placed once (not also kept a second time as a cache).
    const [location] = readdirSync(tmp);
    expect(readdirSync(tmp)).toHaveLength(1);
    expect(readdirSync(join(tmp, location, '1')).sort()).toEqual(['model.onnx', 'model.onnx.data']);
    expect(bucket.gets('model.onnx.data')).toBe(1);
  });
});
