import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initOf, runOipConformance } from '../conformance/oip-run.ts';
import { pathOf } from '../conformance/run.ts';
import { startS3rver, type S3rverHarness } from '../storage/s3rver.ts';
import { mlpModel, mulberry32 } from '../fixtures/onnx-writer.ts';
import { startDeno, type DenoProcess } from './deno-process.ts';
import { putExampleRepository } from './r2-repository.ts';
import { AUDIO, OCR_IMAGE, OCR_TEXT, writeRealChains } from '../fixtures/real-chains.ts';

// The Deno function in Deno (the `deno` npm package), twice over the same folder repository: once
// with the default backend choice, which on a machine with Mesa's software Vulkan driver
// (mesa-vulkan-drivers, installed by .ci/run) must be WebGPU, once with BACKEND=wasm. WebGPU's
// answers must match WASM's within 1e-4 relative error on every fixture.
let dir: string;
let gpu: DenoProcess;
let wasm: DenoProcess;
const MLP = [32, 256, 256, 16];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgeserve-deno-'));
  cpSync('models', dir, { recursive: true });
  mkdirSync(join(dir, 'mlp/1'), { recursive: true });
  writeFileSync(join(dir, 'mlp/1/model.onnx'), mlpModel({ layers: MLP, seed: 7 }));
  writeRealChains(dir);
  [gpu, wasm] = await Promise.all([startDeno({ MODEL_BASE_PATH: dir }), startDeno({ MODEL_BASE_PATH: dir, BACKEND: 'wasm' })]);
}, 60_000);
afterAll(async () => {
  await Promise.all([gpu?.stop(), wasm?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

async function predict(server: DenoProcess, path: string, body: unknown) {
  const res = await fetch(`${server.url}/v1/models/${path}:predict`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, backend: res.headers.get('x-backend'), body: await res.json() };
}

/** Every number in a JSON value, in order. */
const numbers = (value: unknown): number[] => (Array.isArray(value) ? value.flatMap(numbers) : typeof value === 'number' ? [value] : typeof value === 'object' && value ? Object.values(value).flatMap(numbers) : []);

function expectClose(actual: unknown, expected: unknown): void {
  const [a, e] = [numbers(actual), numbers(expected)];
  expect(a.length).toBe(e.length);
  a.forEach((x, i) => {
    const scale = Math.max(Math.abs(x), Math.abs(e[i]));
    expect(Math.abs(x - e[i]), `element ${i}: ${x} vs ${e[i]}`).toBeLessThanOrEqual(1e-4 * scale + 1e-7);
  });
}

const rand = mulberry32(3);
const matrix = (rows: number, cols: number) => Array.from({ length: rows }, () => Array.from({ length: cols }, () => rand() * 4 - 2));

const FIXTURES: [string, unknown][] = [
  ['half_plus_two', { instances: [[1.0], [2.0], [5.0], [-3.25]] }],
  ['classifier/versions/1', { instances: matrix(8, 4) }],
  ['classifier/versions/2', { instances: matrix(8, 4) }],
  ['regressor', { instances: matrix(8, 3) }],
  ['multi_io', { instances: [{ x: [1.5, -2, 3.25], ids: [7, -9] }, { x: [0.1, 0.2, 0.3], ids: [1, 2] }] }],
  ['mlp', { instances: matrix(16, MLP[0]) }],
];

describe('Deno function (WebGPU on Mesa software Vulkan, and WASM)', () => {
  it('chooses WebGPU when navigator.gpu gives an adapter, and says so in headers, metrics and its log', async () => {
    const res = await predict(gpu, 'half_plus_two', { instances: [[1.0]] });
    expect(res).toEqual({ status: 200, backend: 'webgpu', body: { predictions: [[2.5]] } });
    const metrics = await (await fetch(`${gpu.url}/monitoring/prometheus/metrics`)).text();
    expect(metrics).toContain('edgeserve_backend_info{backend="webgpu"} 1');
    expect(gpu.output()).toMatch(/serving .* with webgpu on .+; REST API/);
    // Started without XDG_RUNTIME_DIR, as on a server: no libwayland errors, nothing but edgeserve's lines.
    expect(gpu.output().split('\n').filter((line) => line.trim() !== '' && !line.startsWith('edgeserve: '))).toEqual([]);
    expect((await predict(wasm, 'half_plus_two', { instances: [[1.0]] })).backend).toBe('wasm');
  });

  for (const [path, body] of FIXTURES) {
    it(`WebGPU matches WASM within 1e-4 relative error: ${path}`, async () => {
      const [g, w] = await Promise.all([predict(gpu, path, body), predict(wasm, path, body)]);
      expect(g.status, JSON.stringify(g.body)).toBe(200);
      expect(w.status, JSON.stringify(w.body)).toBe(200);
      expect([g.backend, w.backend]).toEqual(['webgpu', 'wasm']);
      expectClose(g.body, w.body);
    });
  }

  it('applies the bundled models as they are: classifier/model.json gives labels and every version', async () => {
    for (const [path, version] of [['classifier/labels/stable', '1'], ['classifier/labels/canary', '2'], ['classifier/versions/1', '1'], ['classifier', '2']]) {
      const res = await fetch(`${wasm.url}/v1/models/${path}:predict`, { method: 'POST', body: JSON.stringify({ instances: [[1, 2, 3, 4]] }) });
      expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
      expect(res.headers.get('x-model-version'), path).toBe(version);
    }
  });

  it('answers an image body for the colors model (pipeline.json) with the same classes and scores as Node', async () => {
    for (const server of [wasm, gpu]) {
      const res = await fetch(`${server.url}/v1/models/colors:predict`, { method: 'POST', body: readFileSync('docs/examples/sky.jpg'), headers: { 'content-type': 'image/jpeg' } });
      expect(res.status, await res.clone().text()).toBe(200);
      const [answer] = ((await res.json()) as { predictions: { classes: string[]; scores: number[] }[] }).predictions;
      expect(answer.classes).toEqual(['blue', 'green', 'red']);
      // As README shows the Node server's answer; WebGPU within 1e-4 of it.
      [0.999474347, 0.00051393, 1.1717455e-5].forEach((want, i) => expect(Math.abs(answer.scores[i] - want)).toBeLessThan(1e-4 * Math.max(want, 1e-3)));
      const webp = await fetch(`${server.url}/v1/models/colors:predict`, { method: 'POST', body: readFileSync('docs/examples/tomato.webp'), headers: { 'content-type': 'image/webp' } });
      expect(((await webp.json()) as { predictions: { classes: string[] }[] }).predictions[0].classes[0]).toBe('red');
    }
  });

  it('runs the real chains (test/fixtures/real-chains.ts): a wake word on WASM and WebGPU, OCR on WASM', async () => {
    const media = async (server: DenoProcess, model: string, file: string, type: string) => {
      const res = await fetch(`${server.url}/v1/models/${model}:predict`, { method: 'POST', body: readFileSync(file), headers: { 'content-type': type } });
      return { status: res.status, body: (await res.json()) as any };
    };
    for (const server of [wasm, gpu]) {
      const jarvis = await media(server, 'hey_jarvis', join(AUDIO, 'hey_jarvis.wav'), 'audio/wav');
      expect(jarvis.status, JSON.stringify(jarvis.body)).toBe(200);
      expect(jarvis.body.predictions[0]).toBeGreaterThan(0.9);
    }
    const page = await media(wasm, 'ocr', OCR_IMAGE, 'image/png');
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    expect(page.body.predictions[0].text).toBe(OCR_TEXT);
  });

  it('serves the repository in S3 (s3rver) through the AWS SDK', async () => {
    let s3: S3rverHarness | undefined;
    let server: DenoProcess | undefined;
    try {
      s3 = await startS3rver('bucket');
      await putExampleRepository(s3.put, 'repo');
      server = await startDeno({ ...s3.env, AWS_ENDPOINT_URL_S3: s3.endpoint, MODEL_BASE_PATH: 's3://bucket/repo', BACKEND: 'wasm' });
      const res = await predict(server, 'classifier/labels/stable', { instances: [[1, 2, 3, 4]] });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect((await fetch(`${server.url}/v1/models/classifier`).then((r) => r.json())).model_version_status).toHaveLength(2);
    } finally {
      await server?.stop();
      await s3?.stop();
    }
  });
});

describe('Open Inference Protocol conformance (Deno, WASM)', () => {
  runOipConformance(async (request) => fetch(wasm.url + pathOf(request), await initOf(request)));
});
