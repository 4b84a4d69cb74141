/**
 * Manual check that a model past ONNX's 2 GB protobuf limit serves from S3 on the Node target:
 * writes model.onnx (under 1 KB) plus model.onnx.data (default 2560 MiB: a float32 embedding table
 * filled with 7, written in 64 MiB chunks so this script never holds it; y = x + table[int(x * 0)],
 * a lookup that depends on the input, so onnxruntime cannot fold the table away at load), pushes both with the CLI to a local s3rver, starts the real server (functions/node/main.ts,
 * with --device=gpu when --container is given, as the GPU image runs it) on it as a child process, and checks one prediction.
 * Prints the time of each step and the server's peak RSS (VmHWM from /proc), which shows the
 * weights are held once: streamed to the disk tier, then read by onnxruntime-node alone.
 * Needs about 3x the size in free disk (the file, s3rver's copy, the disk tier's copy).
 *
 *   npx tsx test/storage/load-external-model.ts [MiB] [--container]
 *
 * Not part of `vitest run` (test/storage/external-data-e2e.test.ts covers a 5 MB model every run).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import { push } from '../../cli/push.ts';
import { graph } from '../fixtures/onnx-writer.ts';
import { startS3rver } from './s3rver.ts';

const mib = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 2560);
const entry = 'functions/node/main.ts';
const device = process.argv.includes('--container') ? ['--device=gpu'] : [];
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MiB = 1024 * 1024;
const gib = (n: number) => `${(n / 1024 ** 3).toFixed(2)} GiB`;
const step = async <T>(what: string, work: () => Promise<T> | T): Promise<T> => {
  const started = performance.now();
  const result = await work();
  console.log(`${what}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
};

function writeModel(dir: string): void {
  const n = (mib * MiB) / 4;
  const model = graph({
    inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', 1] }],
    outputs: [{ name: 'y', dtype: 'float32', dims: ['batch', 1] }],
    nodes: [
      { op: 'Mul', inputs: ['x', 'zero'], outputs: ['x0'] },
      { op: 'Cast', inputs: ['x0'], outputs: ['index'], attrs: { to: 7 } },
      { op: 'Gather', inputs: ['table', 'index'], outputs: ['looked'] },
      { op: 'Add', inputs: ['x', 'looked'], outputs: ['y'] },
    ],
    initializers: [
      { name: 'table', dtype: 'float32', dims: [n], data: new Float32Array(0), external: { location: 'model.onnx.data', offset: 0, length: n * 4 } },
      { name: 'zero', dtype: 'float32', dims: [], data: [0] },
    ],
  });
  writeFileSync(join(dir, 'model.onnx'), model);
  const chunk = new Float32Array((64 * MiB) / 4).fill(7);
  const fd = openSync(join(dir, 'model.onnx.data'), 'w');
  for (let left = n * 4; left > 0; left -= chunk.byteLength) writeSync(fd, new Uint8Array(chunk.buffer, 0, Math.min(left, chunk.byteLength)));
  closeSync(fd);
}

/** Starts the server; resolves once it listens, with a way to read its peak RSS and stop it. */
function serve(args: string[], env: Record<string, string>): Promise<{ url: string; peakRss: () => number; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...device, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (c: Buffer) => {
      output += c;
      process.stdout.write(`  | ${c}`);
      const url = /REST API at (http:\/\/\S+)/.exec(output)?.[1];
      if (!url) return;
      const peakRss = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024;
      resolve({ url: url.replace('0.0.0.0', '127.0.0.1'), peakRss, stop: () => child.kill('SIGTERM') });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'edgeserve-external-large-'));
const s3 = await startS3rver();
const location = `s3://${s3.bucket}/repo/big`;
const tier = join(tmpdir(), 'edgeserve-external', createHash('sha256').update(location).digest('hex').slice(0, 16));
let server: Awaited<ReturnType<typeof serve>> | undefined;
try {
  console.log(`model: model.onnx + model.onnx.data of ${mib} MiB; server: ${entry}`);
  await step('write the model', () => writeModel(dir));
  await step('push to s3rver', () =>
    push([join(dir, 'model.onnx'), join(dir, 'model.onnx.data'), '--model', 'big', '--to', `s3://${s3.bucket}/repo`], { ...s3.env, AWS_ENDPOINT_URL_S3: s3.endpoint }, () => {}),
  );
  rmSync(tier, { recursive: true, force: true });
  const port = String(18_000 + Math.floor(Math.random() * 2000));
  server = await step('start the server: stream to the disk tier, verify sha256, load', () =>
    serve([`--model_base_path=${location}`, '--model_name=big', `--s3_endpoint=${s3.endpoint}`, `--rest_api_port=${port}`, '--port=0', '--cache_bytes=8GiB'], s3.env),
  );
  const res = await fetch(`${server.url}/v1/models/big:predict`, { method: 'POST', body: '{"instances": [[1]]}' });
  const y = (await res.json()).predictions?.[0]?.[0];
  console.log(`prediction: y = ${y} (expected 8, status ${res.status})`);
  console.log(`server peak RSS: ${gib(server.peakRss())} for ${gib(mib * MiB)} of weights`);
  if (y !== 8) process.exitCode = 1;
} finally {
  server?.stop();
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(tier, { recursive: true, force: true });
}
