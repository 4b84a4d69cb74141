import { afterAll, beforeAll, describe } from 'vitest';
import { startDeno, type DenoProcess } from '../edge/deno-process.ts';
import { putVersion } from '../edge/r2-repository.ts';
import { startS3rver, type S3rverHarness } from '../storage/s3rver.ts';
import { MODEL, SHORT, deliveryScenario, putInitial, type DeliveryTarget } from './scenario.ts';

// Progressive delivery on Deno (functions/deno in the `deno` binary, WASM backend) reading
// s3rver: the same steps as S3 and R2, with less traffic (scenario.ts SHORT).
let s3: S3rverHarness;
let deno: DenoProcess;

const target: DeliveryTarget = {
  fetch: (path, init) => fetch(`${deno.url}${path}`, init),
  putVersion: (version, files) => putVersion((key, bytes) => s3.put(key, bytes), `repo/${MODEL}/${version}`, files),
  putModelJson: (doc) => s3.put(`repo/${MODEL}/model.json`, JSON.stringify(doc)),
  logs: () => deno.output(),
};

beforeAll(async () => {
  s3 = await startS3rver('models');
  await putInitial(target, SHORT);
  deno = await startDeno({ ...s3.env, AWS_ENDPOINT_URL_S3: s3.endpoint, MODEL_BASE_PATH: 's3://models/repo', BACKEND: 'wasm', FILE_SYSTEM_POLL_WAIT_SECONDS: '1' });
}, 60_000);

afterAll(async () => {
  await deno?.stop();
  await s3?.stop();
});

describe('progressive delivery on Deno (s3rver)', () => deliveryScenario(() => target, SHORT));
