/**
 * Manual check that a large model (default 1024 MiB) loads on the Node target from S3: builds a
 * y = x + 7 model of that size, pushes it with the CLI to a local s3rver, then loads it through
 * the manager with onnxruntime-node and runs it, printing timings and memory. Needs about 4x the
 * model size in free memory (the builder, s3rver's copy, our buffer, onnxruntime's session).
 *
 *   npx tsx test/storage/load-large-model.ts [MiB]
 *
 * Not part of `vitest run` (test/storage/large-model.test.ts covers 65 MiB on every run).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnxruntimeNode } from '../../runtime/node/onnxruntime-node.ts';
import { Manager } from '../../core/manager/manager.ts';
import { s3Source } from '../../core/repository/s3-source.ts';
import { push } from '../../cli/push.ts';
import { largeModel } from '../fixtures/onnx-writer.ts';
import { startS3rver } from './s3rver.ts';

const mib = Number(process.argv[2] ?? 1024);
const MiB = 1024 * 1024;
const gib = (n: number) => `${(n / 1024 ** 3).toFixed(2)} GiB`;
const step = async <T>(what: string, work: () => Promise<T> | T): Promise<T> => {
  const started = performance.now();
  const result = await work();
  console.log(`${what}: ${((performance.now() - started) / 1000).toFixed(1)} s (rss ${gib(process.memoryUsage().rss)})`);
  return result;
};

const dir = mkdtempSync(join(tmpdir(), 'edgeserve-large-'));
const s3 = await startS3rver();
try {
  const file = join(dir, 'big.onnx');
  await step(`build a ${mib} MiB model`, () => writeFileSync(file, largeModel(mib * MiB, { offset: 7 })));
  globalThis.gc?.();
  await step('push to s3rver', () => push([file, '--model', 'big', '--to', `s3://${s3.bucket}/repo`], { ...s3.env, AWS_ENDPOINT_URL_S3: s3.endpoint }));
  const source = s3Source({ client: s3.client, location: { scheme: 's3', bucket: s3.bucket, prefix: 'repo/big' } });
  const manager = new Manager(
    [{ config: { name: 'big', basePath: source.location, platform: 'onnx', versionPolicy: { kind: 'latest', numVersions: 1 }, labels: {} }, source }],
    { backend: onnxruntimeNode(), cacheBytes: 4 * 1024 ** 3, pollIntervalMs: -1 },
  );
  const lease = await step('download, verify sha256 and load', () => manager.acquire('big'));
  const out = await lease.servable.session.run({ x: { dtype: 'float32', dims: [1, 1], data: new Float32Array([1]) } });
  const y = (out.y.data as Float32Array)[0];
  console.log(`served ${gib(lease.servable.bytes)}: y = ${y} (expected 8)`);
  lease.release();
  if (y !== 8) process.exitCode = 1;
} finally {
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
}
