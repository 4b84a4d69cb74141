import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLERS, REQUESTS, VAD_MODEL_JSON, expectEveryCallerServed, predictBody, repositoryModels, series } from '../support/batching-shapes.ts';
import { putVersion } from './r2-repository.ts';
import { buildBundle, startWorker, type WorkerUnderTest } from './worker-harness.ts';

// The Worker as deployed (ENABLE_BATCHING=true in wrangler.toml, onnxruntime WASM, R2) over
// models shaped like real third-party ones: batching is never the reason one of them fails.
let bundle: Awaited<ReturnType<typeof buildBundle>>;
let worker: WorkerUnderTest;

beforeAll(async () => {
  bundle = await buildBundle();
  worker = await startWorker(bundle.dir);
  for (const [name, bytes] of Object.entries(repositoryModels())) await putVersion(worker.put, `${name}/1`, { 'model.onnx': bytes });
  await worker.put('vad_declared/model.json', VAD_MODEL_JSON);
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  bundle?.remove();
});

const post = (path: string, body: string) => worker.fetch(`/v1/models/${path}`, { method: 'POST', body });

describe('batching that every model survives (Cloudflare Worker)', () => {
  it.each(Object.keys(REQUESTS))('%s: 16 concurrent callers each get what a direct run gives them', async (model) => {
    await expectEveryCallerServed(model, post);
  });

  it('merged the declared-axis model and ran the others alone', async () => {
    const metrics = await (await worker.fetch('/monitoring/prometheus/metrics')).text();
    const labels = (model: string) => `model="${model}",version="1"`;
    expect(series(metrics, `edgeserve_batch_requests_total{${labels('vad_declared')},outcome="ok"}`)).toBe(CALLERS);
    expect(series(metrics, `edgeserve_batch_runs_total{${labels('vad_declared')}}`)).toBeLessThan(CALLERS);
    for (const model of ['fixed_batch', 'scalar_gain', 'vad', 'unknown_rank']) {
      expect(series(metrics, `edgeserve_batching_mode{${labels(model)},mode="unbatched"}`)).toBe(1);
    }
    expect(worker.logs()).toContain('model vad_declared version 1: batching: batched (declared batch_axes');
  });

  it('regresses on an unknown-rank input and reports shape errors whole, as on node', async () => {
    expect(await (await post('unknown_rank:regress', JSON.stringify({ examples: [{ x: [1] }, { x: [4] }] }))).json()).toEqual({ results: [2.5, 4] });
    const res = await post('fixed_batch:predict', predictBody({ 'x.1': { dtype: 'float32', dims: [2, 16, 8], values: new Array(256).fill(1) } }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'Got invalid dimensions for input: x.1 for the following indices; index: 0 Got: 2 Expected: 1; Please fix either the inputs/outputs or the model.',
    });
  });
});
