import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLERS, REQUESTS, VAD_MODEL_JSON, expectEveryCallerServed, predictBody, repositoryModels, series } from '../support/batching-shapes.ts';
import { startServer, type ServerProcess } from './server-process.ts';

// The real server with --enable_batching, on both backends, over models shaped like real
// third-party ones: every model that serves with batching off serves identically with it on.
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgeserve-shapes-'));
  const configs: string[] = [];
  for (const [name, bytes] of Object.entries(repositoryModels())) {
    mkdirSync(join(dir, name, '1'), { recursive: true });
    writeFileSync(join(dir, name, '1', 'model.onnx'), bytes);
    configs.push(`config { name: "${name}" base_path: "${join(dir, name)}" model_platform: "onnx" }`);
  }
  writeFileSync(join(dir, 'vad_declared', 'model.json'), VAD_MODEL_JSON);
  mkdirSync(join(dir, 'vad_wrong', '1'), { recursive: true });
  writeFileSync(join(dir, 'vad_wrong', '1', 'model.onnx'), repositoryModels().vad);
  writeFileSync(join(dir, 'vad_wrong', 'model.json'), JSON.stringify({ batching: { batch_axes: { h: 0, sr: 'shared' } } }));
  configs.push(`config { name: "vad_wrong" base_path: "${join(dir, 'vad_wrong')}" model_platform: "onnx" }`);
  writeFileSync(join(dir, 'models.config'), `model_config_list { ${configs.join(' ')} }`);
  writeFileSync(join(dir, 'batching.config'), 'max_batch_size { value: 64 }\nbatch_timeout_micros { value: 2000 }\nmax_enqueued_batches { value: 100 }\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(['node', 'wasm'])('batching that every model survives (node server, --backend=%s)', (backend) => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer([
      `--model_config_file=${join(dir, 'models.config')}`,
      '--enable_batching',
      `--batching_parameters_file=${join(dir, 'batching.config')}`,
      `--backend=${backend}`,
    ]);
  });
  afterAll(() => server?.stop());

  const post = (path: string, body: string) => fetch(`${server.url}/v1/models/${path}`, { method: 'POST', body });

  it.each(Object.keys(REQUESTS))('%s: 16 concurrent callers each get what a direct run gives them', async (model) => {
    await expectEveryCallerServed(model, post);
  });

  it('merged the declared-axis model, ran the others alone, and said why', async () => {
    const metrics = await (await fetch(`${server.url}/monitoring/prometheus/metrics`)).text();
    const labels = (model: string) => `model="${model}",version="1"`;
    expect(series(metrics, `edgeserve_batch_requests_total{${labels('vad_declared')},outcome="ok"}`)).toBe(CALLERS);
    expect(series(metrics, `edgeserve_batch_runs_total{${labels('vad_declared')}}`)).toBeLessThan(CALLERS);
    expect(series(metrics, `edgeserve_batching_mode{${labels('vad_declared')},mode="batched"}`)).toBe(1);
    for (const model of ['fixed_batch', 'scalar_gain', 'vad', 'unknown_rank']) {
      expect(series(metrics, `edgeserve_batching_mode{${labels(model)},mode="unbatched"}`)).toBe(1);
    }
    expect(server.output()).toContain('model fixed_batch version 1: batching: unbatched (input x.1 has a fixed size 1 on axis 0)');
    expect(server.output()).toContain('model vad version 1: batching: unbatched (input sr is a scalar)');
  });

  it('classifies and regresses on an unknown-rank input, one value per example', async () => {
    const regress = await post('unknown_rank:regress', JSON.stringify({ examples: [{ x: [1] }, { x: [4] }] }));
    expect(await regress.json()).toEqual({ results: [2.5, 4] });
    const classify = await post('unknown_rank:classify', JSON.stringify({ examples: [{ x: [0, 2] }] }));
    expect(await classify.json()).toEqual({ results: [[['', 2], ['', 3]]] });
    const metadata = await (await fetch(`${server.url}/v1/models/unknown_rank/metadata`)).json();
    expect(metadata.metadata.signature_def.signature_def.serving_default.inputs.x.tensor_shape).toEqual({ dim: [], unknown_rank: true });
  });

  it('fails the load of a version whose batch_axes contradict its graph, naming the input', async () => {
    expect((await post('vad_wrong:predict', predictBody(REQUESTS.vad(0)))).status).toBe(404);
    const status = await (await fetch(`${server.url}/v1/models/vad_wrong`)).json();
    expect(status.model_version_status[0]).toMatchObject({
      state: 'END',
      status: { error_code: 'INVALID_ARGUMENT', error_message: 'model.json batching.batch_axes: input h cannot batch on axis 0: it has a fixed size 2 on axis 0' },
    });
  });

  it('names the index, the size given and the size expected in a shape error', async () => {
    const res = await post('fixed_batch:predict', predictBody({ 'x.1': { dtype: 'float32', dims: [2, 16, 8], values: new Array(256).fill(1) } }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'Got invalid dimensions for input: x.1 for the following indices; index: 0 Got: 2 Expected: 1; Please fix either the inputs/outputs or the model.',
    });
  });
});
