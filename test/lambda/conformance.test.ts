import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { initOf, runOipConformance } from '../conformance/oip-run.ts';
import { pathOf, runConformance } from '../conformance/run.ts';
import { startBucket, type TestBucket } from './bucket.ts';
import { call, eventFor } from './events.ts';
import { environment, environmentsIdle, writeS3ModelConfig, type TestEnvironment } from './service.ts';

// The shared TF Serving REST cases, each sent as an API Gateway HTTP API (payload 2.0) event to
// one warm Lambda environment whose models are in S3 (s3rver). The cases run in order: the
// predictions before the status cases load the versions those expect AVAILABLE (Lambda loads
// lazily, where the Node server preloads).
let bucket: TestBucket;
let root: string;
let lambda: TestEnvironment;

beforeAll(async () => {
  bucket = await startBucket();
  root = mkdtempSync(join(tmpdir(), 'edgeserve-lambda-conformance-'));
  lambda = environment(bucket, { MODEL_CONFIG_FILE: writeS3ModelConfig(bucket, join(root, 'models.config')), TMP_CACHE_DIR: join(root, 'tmp') });
});
afterAll(async () => {
  await bucket?.stop();
  await environmentsIdle();
  rmSync(root, { recursive: true, force: true });
});

describe('TF Serving REST conformance (Lambda, HTTP API v2 events)', () => {
  runConformance(async (request) => {
    const body = request.body ? await request.text() : undefined;
    const res = await call(lambda.handler, eventFor('http-api-v2', { method: request.method, path: pathOf(request), body }));
    return new Response(res.text === '' ? null : res.text, { status: res.status, headers: res.headers });
  });
});

describe('Open Inference Protocol conformance (Lambda, HTTP API v2 events)', () => {
  runOipConformance(async (request) => {
    const { method, headers, body } = await initOf(request);
    const res = await call(lambda.handler, eventFor('http-api-v2', { method, path: pathOf(request), body, headers }));
    return new Response(res.bytes.byteLength === 0 ? null : res.bytes, { status: res.status, headers: res.headers });
  });
});
