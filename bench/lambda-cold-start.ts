/**
 * Lambda cold starts, measured locally: models in S3 (s3rver on loopback), each environment a fresh
 * Node process running the esbuild bundle that serverless.yml packages (bench/lambda-environment.mjs).
 * For every example model plus two dense MLPs (17 MB, 101 MB) it reports:
 *
 *   init        importing the bundle (onnxruntime-node's native library included)
 *   cold        the first invocation with an empty /tmp: list + download + verify + session + run
 *   re-init     the first invocation of a fresh environment over the same /tmp (the disk tier)
 *   warm        later invocations (median)
 *   download    one GetObject of the model, in-process (median of 3)
 *   session     onnxruntime-node session creation from bytes, in-process (median of 3)
 *   peak RSS    the cold environment's peak resident memory (what Lambda's memorySize must cover)
 *
 *   npx tsx bench/lambda-cold-start.ts            (about a minute; prints a Markdown table)
 *
 * Loopback S3 is faster than S3 from Lambda (tens to a few hundred MB/s per stream in-region), and
 * this machine's cores are not Lambda's: read the numbers as proportions, not as Lambda's.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { onnxruntimeNode } from '../runtime/node/onnxruntime-node.ts';
import { parseObjectUrl } from '../core/repository/object-url.ts';
import { s3Source } from '../core/repository/s3-source.ts';
import { startBucket } from '../test/lambda/bucket.ts';
import { eventFor } from '../test/lambda/events.ts';
import { mlpModel } from '../test/fixtures/onnx-writer.ts';

const run = promisify(execFile);
const log = (line: string) => process.stderr.write(`${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => `${Math.round(x)} ms`;

const zeros = (n: number) => JSON.stringify({ instances: [new Array(n).fill(0)] });
const MODELS: { name: string; body: string }[] = [
  { name: 'half_plus_two', body: '{"instances": [[1.0]]}' },
  { name: 'classifier', body: '{"instances": [[1, 2, 3, 4]]}' },
  { name: 'regressor', body: '{"instances": [[1, 2, 3]]}' },
  { name: 'multi_io', body: '{"instances": [{"x": [1, 2, 3], "ids": [1, 2]}]}' },
  { name: 'mlp_17mb', body: zeros(1024) },
  { name: 'mlp_101mb', body: zeros(1024) },
];

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'edgeserve-cold-start-'));
  const extra = join(root, 'repository');
  for (const [name, layers] of [['mlp_17mb', [1024, 2048, 1024, 16]], ['mlp_101mb', [1024, 4096, 4096, 1024]]] as const) {
    mkdirSync(join(extra, name, '1'), { recursive: true });
    writeFileSync(join(extra, name, '1', 'model.onnx'), mlpModel({ layers: [...layers] }));
  }
  log('bundling the handler and filling the bucket...');
  await run(process.execPath, ['-e', "import('./functions/aws-lambda/serverless-build.mjs').then((m) => m.bundleHandler())"]);
  const bucket = await startBucket('edgeserve-bench', ['models', extra]);
  const backend = onnxruntimeNode();
  const rows: string[] = [];
  try {
    for (const model of MODELS) {
      log(`${model.name}...`);
      const eventFile = join(root, `${model.name}.json`);
      writeFileSync(eventFile, JSON.stringify(eventFor('http-api-v2', { method: 'POST', path: `/v1/models/${model.name}:predict`, body: model.body })));
      const tmp = join(root, `tmp-${model.name}`);
      const env = {
        ...process.env,
        MODEL_NAME: model.name,
        MODEL_BASE_PATH: bucket.url(),
        TMP_CACHE_DIR: tmp,
        ...bucket.env,
      };
      const environment = async (count: number) => {
        const { stdout } = await run(process.execPath, ['bench/lambda-environment.mjs', 'dist/aws-lambda/handler.js', eventFile, String(count)], { env });
        return JSON.parse(stdout.trim().split('\n').at(-1)!) as { initMs: number; invocationsMs: number[]; maxRssBytes: number };
      };
      const cold = await environment(6);
      const reinit = await environment(1);
      const source = s3Source({ client: bucket.client, location: parseObjectUrl(bucket.url(model.name)) });
      const downloads: number[] = [];
      const sessions: number[] = [];
      let size = 0;
      for (let i = 0; i < 3; i++) {
        let t = performance.now();
        const bytes = (await source.read('1/model.onnx'))!;
        downloads.push(performance.now() - t);
        size = bytes.byteLength;
        t = performance.now();
        const session = await backend.load(bytes);
        sessions.push(performance.now() - t);
        await session.release();
      }
      rows.push(
        `| ${model.name} | ${formatBytes(size)} | ${ms(cold.initMs)} | ${ms(cold.invocationsMs[0])} | ${ms(reinit.invocationsMs[0])} | ` +
          `${median(cold.invocationsMs.slice(1)).toFixed(1)} ms | ${ms(median(downloads))} | ${ms(median(sessions))} | ${formatBytes(cold.maxRssBytes)} |`,
      );
    }
  } finally {
    await bucket.stop();
    rmSync(root, { recursive: true, force: true });
  }
  console.log(`Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} x ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, s3rver on loopback, load average ${loadavg()[0].toFixed(1)}.\n`);
  console.log('| model | size | init | cold | re-init (/tmp) | warm (median) | download | session | peak RSS |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

function formatBytes(n: number): string {
  return n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MiB` : `${n} B`;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
