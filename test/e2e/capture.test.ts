import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replay } from '../../cli/replay.ts';
import { affineModel } from '../fixtures/onnx-writer.ts';
import { startServer, type ServerProcess } from './server-process.ts';

// model.json "capture" on the real server: sampled requests (here all) and every failure written
// as JSON lines under the model's own folder; `edgeserve replay` runs them on a version and turns
// them into a golden warmup.json that refuses a version answering otherwise.
let dir: string;
let server: ServerProcess;
const SKY = readFileSync('docs/examples/sky.jpg');

const halfPlus = (bias: number) => affineModel(0.5, bias);

const captured = (model: string) => {
  const root = join(dir, model, 'captures');
  return readdirSync(root, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(join(root, f), 'utf8').trim().split('\n'))
    .map((line) => JSON.parse(line) as Record<string, any>);
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgeserve-capture-'));
  mkdirSync(join(dir, 'half_plus_two', '1'), { recursive: true });
  writeFileSync(join(dir, 'half_plus_two', '1', 'model.onnx'), halfPlus(2));
  writeFileSync(join(dir, 'half_plus_two', 'model.json'), JSON.stringify({ capture: { sample_rate: 1 } }));
  cpSync('models/colors', join(dir, 'colors'), { recursive: true });
  writeFileSync(join(dir, 'colors', 'model.json'), JSON.stringify({ capture: { sample_rate: 1, outputs: false } }));
  writeFileSync(join(dir, 'models.config'), `model_config_list { config { name: "half_plus_two" base_path: "${join(dir, 'half_plus_two')}" model_platform: "onnx" } config { name: "colors" base_path: "${join(dir, 'colors')}" model_platform: "onnx" } }`);
  server = await startServer([`--model_config_file=${join(dir, 'models.config')}`]);
  const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = {}) => fetch(`${server.url}/v1/models/${path}`, { method: 'POST', body: body as BodyInit, headers });
  for (const [i, x] of [[1], [2, 5], [-3.25]].entries()) {
    expect((await post('half_plus_two:predict', JSON.stringify({ instances: x.map((v) => [v]) }), { 'x-request-id': `r${i}` })).status).toBe(200);
  }
  expect((await post('half_plus_two:predict', '{"instances": [["not a number"]]}', { 'x-request-id': 'bad' })).status).toBe(400);
  expect((await post('colors:predict', SKY, { 'content-type': 'image/jpeg' })).status).toBe(200);
  // SIGTERM: the server writes what it holds before it exits.
  await server.stop();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('captured requests (model.json "capture")', () => {
  it('writes each request with its inputs and outputs, and every failure with its error, under the model folder', () => {
    const lines = captured('half_plus_two').sort((a, b) => String(a.request_id).localeCompare(String(b.request_id)));
    expect(lines.map((l) => l.request_id)).toEqual(['bad', 'r0', 'r1', 'r2']);
    expect(lines[1]).toMatchObject({ api: 'predict', model: 'half_plus_two', version: 1, status: 200, request: { inputs: { x: [[1]] } }, outputs: { y: [[2.5]] } });
    expect(lines[2].request).toEqual({ inputs: { x: [[2], [5]] } });
    expect(lines[0]).toMatchObject({ status: 400, error_code: 'INVALID_ARGUMENT' });
    expect(lines[0].request).toBeUndefined();
    expect(readdirSync(join(dir, 'half_plus_two', 'captures'))[0]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("keeps an image's bytes exactly (base64) and leaves out what model.json redacts", () => {
    const [line] = captured('colors');
    expect(line.request.inputs.image).toEqual([{ b64: SKY.toString('base64') }]);
    expect(line.outputs).toBeUndefined();
  });

  it('replays them on a version, and writes a golden warmup.json that refuses a version answering otherwise', async () => {
    const printed: string[] = [];
    const warmup = join(dir, 'warmup.json');
    const same = await replay([join(dir, 'half_plus_two', 'captures'), '--model', 'half_plus_two', '--version', '1', '--to', dir, '--warmup', warmup], {}, (m) => printed.push(m));
    expect(same.replayed).toBe(3);
    expect(same.outputs).toEqual([{ name: 'y', compared: 3, maxAbs: 0, maxRel: 0, overTolerance: 0, top1: null }]);
    expect(printed.join('\n')).toContain('replayed 3 captured requests of half_plus_two on version 1');

    // A changed model as version 2: replay measures the difference...
    mkdirSync(join(dir, 'half_plus_two', '2'));
    writeFileSync(join(dir, 'half_plus_two', '2', 'model.onnx'), halfPlus(2.01));
    const changed = await replay([join(dir, 'half_plus_two', 'captures'), '--model', 'half_plus_two', '--version', '2', '--to', dir], {}, () => {});
    expect(changed.outputs[0].overTolerance).toBe(3);
    expect(changed.outputs[0].maxAbs).toBeCloseTo(0.01, 5);

    // ... and with version 1's answers as its golden warmup, the server refuses it; version 1 serves on.
    writeFileSync(join(dir, 'half_plus_two', '2', 'warmup.json'), readFileSync(warmup));
    const again = await startServer([`--model_config_file=${join(dir, 'models.config')}`]);
    try {
      const status = await (await fetch(`${again.url}/v1/models/half_plus_two/versions/2`)).json();
      expect(status.model_version_status[0]).toMatchObject({ state: 'END', status: { error_code: 'FAILED_PRECONDITION' } });
      const res = await fetch(`${again.url}/v1/models/half_plus_two:predict`, { method: 'POST', body: '{"instances": [[1.0]]}' });
      expect([res.headers.get('x-model-version'), await res.json()]).toEqual(['1', { predictions: [[2.5]] }]);
    } finally {
      await again.stop();
    }
  });
});
