import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnxruntimeNode } from '../../runtime/node/onnxruntime-node.ts';
import { Manager } from '../../core/manager/manager.ts';
import { s3Source } from '../../core/repository/s3-source.ts';
import { push } from '../../cli/push.ts';
import { largeModel } from '../fixtures/onnx-writer.ts';
import { startS3rver, type S3rverHarness } from './s3rver.ts';

// Slow (a few seconds): a model over 64 MB goes up with the CLI and loads from S3 on the Node
// backend through the manager, as the server does. The ~1 GB case is a manual script:
// `npx tsx test/storage/load-large-model.ts 1024` (see docs/storage.md).
const BYTES = 65 * 1024 * 1024;

describe('large models from S3 (slow)', () => {
  let s3: S3rverHarness;
  let dir: string;
  beforeAll(async () => {
    s3 = await startS3rver();
    dir = mkdtempSync(join(tmpdir(), 'edgeserve-large-'));
  });
  afterAll(async () => {
    await s3?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads a 65 MiB model pushed to S3 and serves it', async () => {
    const file = join(dir, 'big.onnx');
    writeFileSync(file, largeModel(BYTES, { offset: 7 }));
    const progress: string[] = [];
    const out = { isTTY: false, write: (text: string) => progress.push(text) } as unknown as NodeJS.WriteStream;
    await push([file, '--model', 'big', '--to', `s3://${s3.bucket}/repo`], { ...s3.env, AWS_ENDPOINT_URL_S3: s3.endpoint }, () => {}, out);
    expect(progress.at(-1)).toMatch(/^big\/1\/model\.onnx: 100% /); // a line per quarter off a terminal
    const source = s3Source({ client: s3.client, location: { scheme: 's3', bucket: s3.bucket, prefix: 'repo/big' } });
    const manager = new Manager([{ config: { name: 'big', basePath: source.location, platform: 'onnx', versionPolicy: { kind: 'latest', numVersions: 1 }, labels: {} }, source }], {
      backend: onnxruntimeNode(),
      cacheBytes: 1024 ** 3,
      pollIntervalMs: -1,
    });
    const lease = await manager.acquire('big');
    try {
      expect(lease.servable.bytes).toBeGreaterThan(64 * 1024 * 1024);
      const out = await lease.servable.session.run({ x: { dtype: 'float32', dims: [2, 1], data: new Float32Array([1, 2]) } });
      expect([...(out.y.data as Float32Array)]).toEqual([8, 9]);
    } finally {
      lease.release();
    }
  });
});
