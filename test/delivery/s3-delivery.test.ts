import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { putVersion } from '../edge/r2-repository.ts';
import { startServer, type ServerProcess } from '../e2e/server-process.ts';
import { startS3rver, type S3rverHarness } from '../storage/s3rver.ts';
import { MODEL, deliveryScenario, putInitial, type DeliveryTarget } from './scenario.ts';

// Progressive delivery on S3: the real server process over loopback, reading s3rver.
let s3: S3rverHarness;
let server: ServerProcess;
let dir: string;

const target: DeliveryTarget = {
  fetch: (path, init) => fetch(`${server.url}${path}`, init),
  putVersion: (version, files) => putVersion((key, bytes) => s3.put(key, bytes), `repo/${MODEL}/${version}`, files),
  putModelJson: (doc) => s3.put(`repo/${MODEL}/model.json`, JSON.stringify(doc)),
  logs: () => server.output(),
};

beforeAll(async () => {
  s3 = await startS3rver('models');
  await putInitial(target);
  dir = mkdtempSync(join(tmpdir(), 'edgeserve-delivery-'));
  writeFileSync(join(dir, 'models.config'), `model_config_list { config { name: "${MODEL}" base_path: "s3://models/repo/${MODEL}" model_platform: "onnx" } }\n`);
  server = await startServer([`--model_config_file=${join(dir, 'models.config')}`, `--s3_endpoint=${s3.endpoint}`, '--file_system_poll_wait_seconds=1'], s3.env);
}, 30_000);

afterAll(async () => {
  await server?.stop();
  await s3?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('progressive delivery from S3 (server process + s3rver)', () => deliveryScenario(() => target));
