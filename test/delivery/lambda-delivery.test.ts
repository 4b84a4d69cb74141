import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { putVersion } from '../edge/r2-repository.ts';
import { put, startBucket, type TestBucket } from '../lambda/bucket.ts';
import { call, eventFor } from '../lambda/events.ts';
import { environment, type TestEnvironment } from '../lambda/service.ts';
import { MODEL, SHORT, deliveryScenario, putInitial, type DeliveryTarget } from './scenario.ts';

// Progressive delivery on Lambda: the handler invoked with HTTP API events, over s3rver and a
// real /tmp disk tier: the same steps as S3 and R2, with less traffic (scenario.ts SHORT).
let bucket: TestBucket;
let lambda: TestEnvironment;
let tmp: string;

const target: DeliveryTarget = {
  async fetch(path, init = {}) {
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const res = await call(lambda.handler, eventFor('http-api-v2', { method: init.method ?? 'GET', path, body: init.body as string | undefined, headers }));
    return new Response(res.text, { status: res.status, headers: res.headers });
  },
  putVersion: (version, files) => putVersion((key, bytes) => put(bucket.client, bucket.bucket, key, bytes), `models/${MODEL}/${version}`, files),
  putModelJson: async (doc) => void (await put(bucket.client, bucket.bucket, `models/${MODEL}/model.json`, JSON.stringify(doc))),
  logs: () => lambda.logs.join('\n'),
};

beforeAll(async () => {
  bucket = await startBucket('edgeserve-delivery', []);
  tmp = mkdtempSync(join(tmpdir(), 'edgeserve-lambda-delivery-'));
  await putInitial(target, SHORT);
  lambda = environment(bucket, { MODEL_NAME: MODEL, MODEL_BASE_PATH: bucket.url(), TMP_CACHE_DIR: tmp, FILE_SYSTEM_POLL_WAIT_SECONDS: '1' });
}, 30_000);

afterAll(async () => {
  await bucket?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('progressive delivery on Lambda (s3rver, /tmp)', () => deliveryScenario(() => target, SHORT));
