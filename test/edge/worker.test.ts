import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initOf, runOipConformance } from '../conformance/oip-run.ts';
import { pathOf, runConformance } from '../conformance/run.ts';
import { affineModel, largeModel } from '../fixtures/onnx-writer.ts';
import { AUDIO, OCR_IMAGE, OCR_TEXT, realChainModels } from '../fixtures/real-chains.ts';
import { putExampleRepository, putVersion } from './r2-repository.ts';
import { buildBundle, startWorker, type WorkerUnderTest } from './worker-harness.ts';
import { startOtlpReceiver } from '../support/otlp-receiver.ts';

// The built Worker bundle in workerd (miniflare) with wrangler.toml's settings and a real R2
// binding holding the example repository, as `edgeserve push` lays it out. One isolate for the
// whole file, as in production: every test after the first finds onnxruntime initialised. The
// conformance cases run in order: their predictions load the versions the status cases expect.
let bundle: Awaited<ReturnType<typeof buildBundle>>;
let worker: WorkerUnderTest;
const HALF_PLUS_TWO = new Uint8Array(readFileSync('models/half_plus_two/1/model.onnx'));

beforeAll(async () => {
  bundle = await buildBundle();
  worker = await startWorker(bundle.dir, { FILE_SYSTEM_POLL_WAIT_SECONDS: '1' });
  await putExampleRepository(worker.put);
  await putVersion(worker.put, 'batched/1', { 'model.onnx': HALF_PLUS_TWO });
  await putVersion(worker.put, 'rollout/1', { 'model.onnx': HALF_PLUS_TWO });
  await putVersion(worker.put, 'coldburst/1', { 'model.onnx': HALF_PLUS_TWO });
  await putVersion(worker.put, 'big/1', { 'model.onnx': largeModel(33 * 1024 ** 2) });
  for (const [model, files] of Object.entries(realChainModels())) await putVersion(worker.put, `${model}/1`, files);
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  bundle?.remove();
});

const predict = (path: string, instances: unknown) =>
  worker.fetch(`/v1/models/${path}:predict`, { method: 'POST', body: JSON.stringify({ instances }) });

async function metrics(): Promise<string> {
  return (await worker.fetch('/monitoring/prometheus/metrics')).text();
}

function counter(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('Cloudflare Worker (workerd, R2)', () => {
  it('cold-loads a model from R2 on onnxruntime WASM, then answers warm without reloading', async () => {
    const cold = await predict('half_plus_two', [[1.0], [2.0], [5.0]]);
    expect(cold.status, await cold.clone().text()).toBe(200);
    expect(await cold.json()).toEqual({ predictions: [[2.5], [3.0], [4.5]] });
    expect(cold.headers.get('x-backend')).toBe('wasm');
    for (let i = 0; i < 10; i++) expect(await (await predict('half_plus_two', [[i]])).json()).toEqual({ predictions: [[0.5 * i + 2]] });
    const text = await metrics();
    expect(counter(text, 'edgeserve_model_loads_total{model="half_plus_two",version="1",outcome="ok"}')).toBe(1);
    expect(text).toContain('edgeserve_backend_info{backend="wasm"} 1');
  });

  it('pins versions and labels from model.json', async () => {
    const version = async (path: string) => (await predict(path, [[1, 2, 3, 4]])).headers.get('x-model-version');
    expect(await version('classifier/versions/1')).toBe('1');
    expect(await version('classifier/labels/stable')).toBe('1');
    expect(await version('classifier/labels/canary')).toBe('2');
    expect(await version('classifier')).toBe('2');
  });

  it('serves a version put into R2 once the poll interval has passed, failing no request', async () => {
    expect((await predict('rollout', [[1.0]])).headers.get('x-model-version')).toBe('1');
    await putVersion(worker.put, 'rollout/2', { 'model.onnx': HALF_PLUS_TWO });
    const seen = new Set<string>();
    const deadline = Date.now() + 20_000;
    while (!seen.has('2') && Date.now() < deadline) {
      const res = await predict('rollout', [[1.0]]);
      expect(res.status, await res.clone().text()).toBe(200);
      seen.add(res.headers.get('x-model-version')!);
    }
    expect([...seen].sort()).toEqual(['1', '2']);
  });

  it('serves a model folder put into R2 after the bucket was first listed', async () => {
    expect((await predict('newcomer', [[1.0]])).status).toBe(404);
    await putVersion(worker.put, 'newcomer/4', { 'model.onnx': HALF_PLUS_TWO });
    const deadline = Date.now() + 20_000;
    let res = await predict('newcomer', [[1.0]]);
    while (res.status === 404 && Date.now() < deadline) res = await predict('newcomer', [[1.0]]);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('x-model-version')).toBe('4');
  });

  it('answers 256 concurrent requests correctly in fewer runs than requests (batching)', async () => {
    expect((await predict('batched', [[0]])).status).toBe(200); // warm: the burst below finds it loaded
    const before = await metrics();
    const runs = 'edgeserve_batch_runs_total{model="batched",version="1"}';
    const ok = 'edgeserve_batch_requests_total{model="batched",version="1",outcome="ok"}';
    const answers = await Promise.all(
      Array.from({ length: 256 }, async (_, i) => {
        const res = await predict('batched', [[i]]);
        return { status: res.status, body: await res.json() };
      }),
    );
    answers.forEach((a, i) => expect(a).toEqual({ status: 200, body: { predictions: [[0.5 * i + 2]] } }));
    const after = await metrics();
    expect(counter(after, ok) - counter(before, ok)).toBe(256);
    const ran = counter(after, runs) - counter(before, runs);
    expect(ran).toBeGreaterThan(0);
    expect(ran, `${ran} runs for 256 requests`).toBeLessThan(256);
  });

  it('shares one cold load among concurrent first requests (no request cancelled as hung)', async () => {
    const answers = await Promise.all(Array.from({ length: 32 }, (_, i) => predict('coldburst', [[i]]).then((r) => r.json())));
    answers.forEach((a, i) => expect(a).toEqual({ predictions: [[0.5 * i + 2]] }));
    expect(counter(await metrics(), 'edgeserve_model_loads_total{model="coldburst",version="1",outcome="ok"}')).toBe(1);
  });

  it('refuses a model over MAX_MODEL_BYTES before loading it, naming the container target', async () => {
    const res = await predict('big', [[1.0]]);
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error).toContain(`is ${largeModel(33 * 1024 ** 2).byteLength} bytes, more than this target loads (max_model_bytes=${32 * 1024 ** 2})`);
    expect(error).toContain('container target');
    const status = await (await worker.fetch('/v1/models/big')).json();
    expect(status.model_version_status[0]).toMatchObject({ version: '1', state: 'END', status: { error_code: 'FAILED_PRECONDITION' } });
    expect(counter(await metrics(), 'edgeserve_model_loads_total{model="big",version="1",outcome="error"}')).toBe(1);
  });
});

describe('pipeline.json in the Worker', () => {
  it('answers text for the sentiment model (its tokenizer.json in pure JavaScript)', async () => {
    const res = await worker.fetch('/v1/models/sentiment:predict', { method: 'POST', body: JSON.stringify({ instances: ['The movie was great fun!', 'A boring, terrible plot.'] }) });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as { predictions: { label: string[] }[] }).predictions.map((p) => p.label[0])).toEqual(['positive', 'negative']);
  });

  it('answers a JPEG, PNG or WebP body for the colors model with class names, as the Node server does', async () => {
    for (const [file, type, best] of [['docs/examples/sky.jpg', 'image/jpeg', 'blue'], ['docs/examples/tomato.png', 'image/png', 'red'], ['docs/examples/tomato.webp', 'image/webp', 'red']]) {
      const res = await worker.fetch('/v1/models/colors:predict', { method: 'POST', body: new Uint8Array(readFileSync(file)), headers: { 'content-type': type } });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(((await res.json()) as { predictions: { classes: string[] }[] }).predictions[0].classes[0]).toBe(best);
    }
  });

  it("refuses an image over the isolate's pixel ceiling before decoding it", async () => {
    const res = await worker.fetch('/v1/models/colors:predict', { method: 'POST', body: new Uint8Array(readFileSync('test/fixtures/images/bomb.png')), headers: { 'content-type': 'image/png' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe("input image: the png is 50000 x 50000 pixels, over this target's limit of 4000000");
  });
});

describe('TF Serving REST conformance (Cloudflare Worker)', () => {
  runConformance(async (request) => {
    const body = request.body ? await request.text() : undefined;
    return worker.fetch(pathOf(request), { method: request.method, body });
  });
});

describe('Open Inference Protocol conformance (Cloudflare Worker)', () => {
  runOipConformance(async (request) => worker.fetch(pathOf(request), await initOf(request)));
});

describe('Cloudflare Worker: model chains (test/fixtures/real-chains.ts), as on the Node server', () => {
  const media = async (model: string, file: string, type: string) => {
    const res = await worker.fetch(`/v1/models/${model}:predict`, { method: 'POST', body: new Uint8Array(readFileSync(file)), headers: { 'content-type': type } });
    return { status: res.status, body: (await res.json()) as any };
  };

  it("scores a WAV through openWakeWord's three models, telling the wake word from another", async () => {
    const jarvis = await media('hey_jarvis', `${AUDIO}/hey_jarvis.wav`, 'audio/wav');
    expect(jarvis.status, JSON.stringify(jarvis.body)).toBe(200);
    expect(jarvis.body.predictions[0]).toBeGreaterThan(0.9);
    expect((await media('hey_jarvis', `${AUDIO}/alexa.wav`, 'audio/wav')).body.predictions[0]).toBeLessThan(0.01);
  });

  it("reads the OCR page through PaddleOCR's detector, classifier, recognizer and named steps", async () => {
    const res = await media('ocr', OCR_IMAGE, 'image/png');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.predictions[0].text).toBe(OCR_TEXT);
  });
});

describe('Cloudflare Worker: the request log (REQUEST_LOG)', () => {
  it('logs a failed request as an object through console.log, for Workers Logs', async () => {
    const logging = await startWorker(bundle.dir, { REQUEST_LOG: 'errors' });
    try {
      await logging.fetch('/v1/models/nope:predict', { method: 'POST', body: '{"instances": [[1.0]]}', headers: { 'x-request-id': 'worker-1' } });
      await logging.fetch('/healthz');
      const text = logging.logs();
      expect(text).toMatch(/request_id: 'worker-1'/);
      expect(text).toMatch(/error_code: 'NOT_FOUND'/);
      expect(text).toMatch(/status: 404/);
    } finally {
      await logging.stop();
    }
  });
});

describe('Cloudflare Worker: traces (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)', () => {
  it("posts each request's spans as OTLP JSON from its own waitUntil, parented to the client's traceparent", async () => {
    const receiver = await startOtlpReceiver();
    const tracing = await startWorker(bundle.dir, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'edge' });
    try {
      await putVersion(tracing.put, 'half_plus_two/1', { 'model.onnx': HALF_PLUS_TWO });
      const traceparent = '00-5bf92f3577b34da6a3ce929d0e0e4736-10f067aa0ba902b7-01';
      const res = await tracing.fetch('/v1/models/half_plus_two:predict', { method: 'POST', body: '{"instances": [[1.0]]}', headers: { traceparent, tracestate: 'edge=1' } });
      expect(await res.json()).toEqual({ predictions: [[2.5]] });
      const spans = await receiver.waitFor((all) => all.some((s) => s.parentSpanId === '10f067aa0ba902b7'));
      const root = spans.find((s) => s.parentSpanId === '10f067aa0ba902b7')!;
      expect(root).toMatchObject({ traceId: '5bf92f3577b34da6a3ce929d0e0e4736', name: 'predict', kind: 2, traceState: 'edge=1', service: 'edge' });
      expect(root.attributes).toMatchObject({ 'edgeserve.model': 'half_plus_two', 'edgeserve.version': 1, 'http.response.status_code': 200 });
      // The Worker batches by default: the request waited in its model's queue, then ran.
      expect(spans.filter((s) => s.parentSpanId === root.spanId).map((s) => s.name)).toEqual(['acquire', 'queue', 'run', 'encode']);
    } finally {
      await tracing.stop();
      await receiver.close();
    }
  });
});

describe('Cloudflare Worker: captured requests (model.json "capture")', () => {
  it("writes a request's inputs and outputs to the model's R2 prefix after answering it", async () => {
    const capturing = await startWorker(bundle.dir);
    try {
      await putVersion(capturing.put, 'half_plus_two/1', { 'model.onnx': HALF_PLUS_TWO });
      await capturing.put('half_plus_two/model.json', JSON.stringify({ capture: { sample_rate: 1 } }));
      const res = await capturing.fetch('/v1/models/half_plus_two:predict', { method: 'POST', body: '{"instances": [[1.0]]}', headers: { 'x-request-id': 'edge-1' } });
      expect(await res.json()).toEqual({ predictions: [[2.5]] });
      // Written in the request's waitUntil, after the response: wait for the object to appear.
      let objects: Record<string, string> = {};
      for (let i = 0; i < 100 && Object.keys(objects).length === 0; i++) {
        objects = await capturing.objects('half_plus_two/captures/');
        if (Object.keys(objects).length === 0) await new Promise((done) => setTimeout(done, 20));
      }
      const [[key, text]] = Object.entries(objects);
      expect(key).toMatch(/^half_plus_two\/captures\/\d{4}-\d{2}-\d{2}\/.*\.jsonl$/);
      expect(JSON.parse(text)).toMatchObject({ request_id: 'edge-1', model: 'half_plus_two', version: 1, status: 200, request: { inputs: { x: [[1]] } }, outputs: { y: [[2.5]] } });
    } finally {
      await capturing.stop();
    }
  });
});

describe('Cloudflare Worker: shadow traffic (model.json "shadow")', () => {
  it("runs requests again on the shadow label's version in their waitUntil, and reports that it differs", async () => {
    const shadowing = await startWorker(bundle.dir);
    try {
      const changed = affineModel(1, 3);
      await putVersion(shadowing.put, 'm/1', { 'model.onnx': HALF_PLUS_TWO });
      await putVersion(shadowing.put, 'm/2', { 'model.onnx': changed });
      await shadowing.put('m/model.json', JSON.stringify({ version_policy: { all: {} }, labels: { stable: 1, next: 2 }, traffic: { stable: 100 }, shadow: { label: 'next' } }));
      const differ = async () => counter(await (await shadowing.fetch('/monitoring/prometheus/metrics')).text(), 'edgeserve_shadow_requests_total{model="m",version="2",outcome="differ"}');
      // The first requests find the shadow cold (it loads meanwhile); later ones are compared.
      for (let i = 0; i < 100 && (await differ()) === 0; i++) {
        const res = await shadowing.fetch('/v1/models/m:predict', { method: 'POST', body: '{"instances": [[1.0]]}' });
        expect([res.headers.get('x-model-version'), await res.json()]).toEqual(['1', { predictions: [[2.5]] }]);
      }
      expect(await differ()).toBeGreaterThan(0);
      expect(shadowing.logs()).toContain('model m: shadow version 2 (label next) differs from version 1: y max abs difference 1.50');
    } finally {
      await shadowing.stop();
    }
  });
});
