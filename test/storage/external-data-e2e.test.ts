import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { push } from '../../cli/push.ts';
import { startServer, type ServerProcess } from '../e2e/server-process.ts';
import { externalize, mlpSpec } from '../fixtures/onnx-writer.ts';
import { startS3rver, type S3rverHarness } from './s3rver.ts';

// A model whose weights live in external data (model.onnx is under 1 KB, model.onnx.data about
// 5 MB), pushed to s3rver with the CLI and served by the real server processes (the Node CLI and
// the container entry), and the same model from a local folder: every answer equals a direct
// onnxruntime-node session opened on the files.
const BUCKET = 'models';
const LAYERS = [256, 1024, 1024, 16];
const INPUT = Array.from({ length: 2 }, (_, r) => Array.from({ length: LAYERS[0] }, (_, i) => Math.sin(r * 1000 + i)));

let dir: string;
let modelFile: string;
let dataFile: string;
let expected: number[][];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgeserve-external-e2e-'));
  const { model, files } = externalize(mlpSpec({ layers: LAYERS, seed: 3 }));
  expect([...files.keys()]).toEqual(['model.onnx.data']);
  // The local repository: m/1/model.onnx + model.onnx.data, no manifest (TF-Serving style).
  const version = join(dir, 'local', 'm', '1');
  mkdirSync(version, { recursive: true });
  modelFile = join(version, 'model.onnx');
  dataFile = join(version, 'model.onnx.data');
  writeFileSync(modelFile, model);
  writeFileSync(dataFile, files.get('model.onnx.data')!);
  const session = await ort.InferenceSession.create(modelFile);
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from(INPUT.flat()), [2, LAYERS[0]]) });
  const y = out.y.data as Float32Array;
  expected = INPUT.map((_, r) => Array.from(y.subarray(r * 16, (r + 1) * 16)));
  await session.release();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function predict(server: ServerProcess, path = 'm'): Promise<{ status: number; predictions: number[][]; text: string }> {
  const res = await fetch(`${server.url}/v1/models/${path}:predict`, { method: 'POST', body: JSON.stringify({ instances: INPUT }) });
  const text = await res.text();
  return { status: res.status, predictions: JSON.parse(text).predictions, text };
}

function expectDirectRun(predictions: number[][]): void {
  // JSON carries float32 in its shortest form: rounding back to float32 gives the very bits.
  expect(predictions.map((row) => row.map((v) => Math.fround(v)))).toEqual(expected);
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('external data from S3', () => {
  let s3: S3rverHarness;
  const servers: ServerProcess[] = [];
  beforeAll(async () => {
    s3 = await startS3rver(BUCKET);
    const env = { ...s3.env, AWS_ENDPOINT_URL_S3: s3.endpoint };
    await push([modelFile, dataFile, '--model', 'm', '--to', `s3://${BUCKET}/repo`], env, () => {});
    // Version 2: the same model.onnx, but its data file was altered after the manifest was written.
    await push([modelFile, dataFile, '--model', 'm', '--to', `s3://${BUCKET}/repo`], env, () => {});
    await s3.put('repo/m/2/model.onnx.data', new Uint8Array(statSync(dataFile).size));
    await s3.put('repo/m/model.json', JSON.stringify({ version_policy: { all: {} } }));
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    await s3?.stop();
  });

  // Where runtime/node/disk-tier.ts puts this location's versions (the servers' default tmpdir).
  const tier = join(tmpdir(), 'edgeserve-external', createHash('sha256').update(`s3://${BUCKET}/repo/m`).digest('hex').slice(0, 16));
  afterAll(() => rmSync(tier, { recursive: true, force: true }));

  for (const device of ['cpu', 'gpu']) {
    it(`the server (--device=${device}) streams the files to its disk tier, verified, and answers as a direct run`, async () => {
      rmSync(tier, { recursive: true, force: true });
      const args = [`--device=${device}`, `--model_base_path=s3://${BUCKET}/repo/m`, '--model_name=m', `--s3_endpoint=${s3.endpoint}`];
      const server = await startServer(args, s3.env);
      servers.push(server);
      const served = await predict(server, 'm/versions/1');
      expect(served.status, served.text).toBe(200);
      expectDirectRun(served.predictions);
      const placed = filesUnder(tier).map((f) => f.slice(tier.length + 1));
      expect(placed.filter((f) => f.startsWith('1/')).sort()).toEqual(['1/model.onnx', '1/model.onnx.data']);
      expect(placed).not.toContain('2/model.onnx.data');
      // The altered version fails its manifest check and is never loaded.
      const status = await (await fetch(`${server.url}/v1/models/m`)).text();
      expect(status).toMatch(/2\/model\.onnx\.data does not match its sha256/);
      expect((await predict(server, 'm/versions/2')).status).not.toBe(200);
    });
  }
});

describe('external data from a local folder', () => {
  it('loads where the files lie (nothing copied) and answers as a direct run', async () => {
    const base = join(dir, 'local', 'm');
    const server = await startServer([`--model_base_path=${base}`, '--model_name=m']);
    try {
      const served = await predict(server);
      expect(served.status, served.text).toBe(200);
      expectDirectRun(served.predictions);
      const tier = join(tmpdir(), 'edgeserve-external', createHash('sha256').update(base).digest('hex').slice(0, 16));
      expect(existsSync(tier)).toBe(false);
    } finally {
      await server.stop();
    }
  });

  it('with --backend=wasm, the files are read into memory and passed as externalData', async () => {
    const server = await startServer([`--model_base_path=${join(dir, 'local', 'm')}`, '--model_name=m', '--backend=wasm']);
    try {
      const served = await predict(server);
      expect(served.status, served.text).toBe(200);
      served.predictions.flat().forEach((v, i) => expect(v).toBeCloseTo(expected.flat()[i], 4));
    } finally {
      await server.stop();
    }
  });
});
