import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { lazyHandler } from '../../functions/aws-lambda/handler.ts';
import { AUDIO, OCR_IMAGE, OCR_TEXT, writeRealChains } from '../fixtures/real-chains.ts';
import { PREFIX, pushRepository, put, startBucket, type TestBucket } from './bucket.ts';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { call, eventFor, fixture, type EventKind } from './events.ts';
import { environment, environmentsIdle, writeS3ModelConfig, type TestEnvironment } from './service.ts';
import { startOtlpReceiver } from '../support/otlp-receiver.ts';

/** The files the disk tier keeps under `tmp`: <location digest>/<version>/<file>, digest dropped. */
const keptFiles = (tmp: string) =>
  readdirSync(tmp, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(tmp.length + 1).split('/').slice(1).join('/'));

// The Lambda handler, invoked with API Gateway and function URL events, over models in a real S3
// API (s3rver on loopback) and a real /tmp folder.
let bucket: TestBucket;
let root: string;
let configFile: string;
let n = 0;
const freshTmp = () => join(root, `tmp-${++n}`);
const env = (tmp: string, extra: Record<string, string> = {}) => ({ MODEL_CONFIG_FILE: configFile, TMP_CACHE_DIR: tmp, ...extra });

beforeAll(async () => {
  bucket = await startBucket();
  root = mkdtempSync(join(tmpdir(), 'edgeserve-lambda-'));
  configFile = writeS3ModelConfig(bucket, join(root, 'models.config'));
});
afterAll(async () => {
  await bucket?.stop();
  await environmentsIdle();
  rmSync(root, { recursive: true, force: true });
});

/** handler.ts as a new module instance: what Lambda does when it re-initialises an environment. */
const freshHandlerModule = (n: number): Promise<typeof import('../../functions/aws-lambda/handler.ts')> =>
  import(/* @vite-ignore */ `../../functions/aws-lambda/handler.ts?environment=${n}`);
const PREDICT = { method: 'POST', path: '/v1/models/half_plus_two:predict', body: '{"instances": [[1.0], [2.0], [5.0]]}' };
const MODEL_BYTES = 'half_plus_two/1/model.onnx';

describe.each<EventKind>(['http-api-v2', 'rest-api-v1', 'function-url'])('%s events', (kind) => {
  let lambda: TestEnvironment;
  beforeAll(() => {
    lambda = environment(bucket, env(freshTmp()));
  });

  it('predict', async () => {
    const res = await call(lambda.handler, eventFor(kind, PREDICT));
    expect(res.status, res.text).toBe(200);
    expect(res.json()).toEqual({ predictions: [[2.5], [3.0], [4.5]] });
    expect(res.headers['x-model-name']).toBe('half_plus_two');
    expect(res.headers['x-model-version']).toBe('1');
    expect(res.headers['content-type']).toBe('application/json');
  });

  it('status and metadata', async () => {
    const status = await call(lambda.handler, eventFor(kind, { method: 'GET', path: '/v1/models/classifier/versions/2' }));
    expect(status.status, status.text).toBe(200);
    // Lazy: nothing asked for classifier 2 yet, so it has not loaded (TF Serving's START).
    expect(status.json().model_version_status).toEqual([{ version: '2', state: 'START', status: { error_code: 'OK', error_message: '' } }]);
    const metadata = await call(lambda.handler, eventFor(kind, { method: 'GET', path: '/v1/models/classifier/labels/stable/metadata' }));
    expect(metadata.status, metadata.text).toBe(200);
    expect(metadata.json().model_spec).toEqual({ name: 'classifier', signature_name: '', version: '1' });
  });

  it('errors as TF Serving words them', async () => {
    const unknown = await call(lambda.handler, eventFor(kind, { ...PREDICT, path: '/v1/models/nope:predict' }));
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toEqual({ error: 'Servable not found for request: Latest(nope)' });
    const malformed = await call(lambda.handler, eventFor(kind, { ...PREDICT, body: '{"instances": [1.0' }));
    expect(malformed.status).toBe(400);
    expect(malformed.json().error).toContain('JSON Parse error');
    const label = await call(lambda.handler, eventFor(kind, { ...PREDICT, path: '/v1/models/classifier/labels/nope:predict' }));
    expect(label.status).toBe(400);
  });

  it('a gzipped body that arrives base64-encoded', async () => {
    const body = gzipSync('{"instances": [[4.0]]}');
    const res = await call(lambda.handler, eventFor(kind, { ...PREDICT, body: new Uint8Array(body), headers: { 'Content-Encoding': 'gzip' } }));
    expect(res.status, res.text).toBe(200);
    expect(res.json()).toEqual({ predictions: [[4.0]] });
  });
});

describe('images (pipeline.json)', () => {
  it('answers a JPEG body, which API Gateway passes base64-encoded, with class names', async () => {
    const lambda = environment(bucket, env(freshTmp()));
    const body = new Uint8Array(readFileSync(join(import.meta.dirname, '../../docs/examples/sky.jpg')));
    const res = await call(lambda.handler, eventFor('http-api-v2', { method: 'POST', path: '/v1/models/colors:predict', body, headers: { 'Content-Type': 'image/jpeg' } }));
    expect(res.status, res.text).toBe(200);
    expect(res.json().predictions[0].classes).toEqual(['blue', 'green', 'red']);
  });
});

describe('model chains (test/fixtures/real-chains.ts) from S3', () => {
  it('scores a WAV through openWakeWord and reads the OCR page through PaddleOCR, as on the Node server', async () => {
    const repository = join(root, 'chains');
    mkdirSync(repository);
    const models = writeRealChains(repository);
    await pushRepository(bucket.client, bucket.bucket, repository);
    const config = join(root, 'chains.config');
    writeFileSync(config, `model_config_list { ${models.map((m) => `config { name: "${m}" base_path: "${bucket.url(m)}" model_platform: "onnx" }`).join(' ')} }`);
    const lambda = environment(bucket, { MODEL_CONFIG_FILE: config, TMP_CACHE_DIR: freshTmp() });
    const media = (model: string, file: string, type: string) =>
      call(lambda.handler, eventFor('http-api-v2', { method: 'POST', path: `/v1/models/${model}:predict`, body: new Uint8Array(readFileSync(file)), headers: { 'Content-Type': type } }));
    const jarvis = await media('hey_jarvis', join(AUDIO, 'hey_jarvis.wav'), 'audio/wav');
    expect(jarvis.status, jarvis.text).toBe(200);
    expect(jarvis.json().predictions[0]).toBeGreaterThan(0.9);
    const page = await media('ocr', OCR_IMAGE, 'image/png');
    expect(page.status, page.text).toBe(200);
    expect(page.json().predictions[0].text).toBe(OCR_TEXT);
  });
});

describe('the request log (REQUEST_LOG)', () => {
  it('writes a failed request as a JSON line, which Lambda\'s log stream carries', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
    try {
      const lambda = environment(bucket, env(freshTmp(), { REQUEST_LOG: 'errors' }));
      await call(lambda.handler, eventFor('http-api-v2', { ...PREDICT, path: '/v1/models/nope:predict', headers: { 'x-request-id': 'lambda-1' } }));
      await call(lambda.handler, eventFor('http-api-v2', PREDICT));
    } finally {
      spy.mockRestore();
    }
    const entries = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(entries).toEqual([expect.objectContaining({ request_id: 'lambda-1', model: 'nope', status: 404, error_code: 'NOT_FOUND' })]);
  });
});

describe('traces (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)', () => {
  it("sends the request's spans, parented to its traceparent, before the invocation ends", async () => {
    const receiver = await startOtlpReceiver();
    try {
      // A schedule far longer than the test: only the handler's flush can have sent them.
      const lambda = environment(bucket, env(freshTmp(), { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '600000' }));
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const res = await call(lambda.handler, eventFor('http-api-v2', { ...PREDICT, headers: { traceparent } }));
      expect(res.status).toBe(200);
      const root = receiver.spans.find((s) => s.parentSpanId === 'b7ad6b7169203331');
      expect(root).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', name: 'predict', service: 'edgeserve' });
      expect(receiver.spans.filter((s) => s.parentSpanId === root!.spanId).map((s) => s.name)).toEqual(['acquire', 'run', 'encode']);
    } finally {
      await receiver.close();
    }
  });
});

describe('captured requests (model.json "capture")', () => {
  it("writes the request's payload to the model's S3 prefix before the invocation ends", async () => {
    const own = await startBucket('edgeserve-capture');
    try {
      await put(own.client, own.bucket, `${PREFIX}/half_plus_two/model.json`, JSON.stringify({ capture: { sample_rate: 1 } }));
      const lambda = environment(own, { MODEL_CONFIG_FILE: writeS3ModelConfig(own, join(root, 'capture.config')), TMP_CACHE_DIR: freshTmp() });
      const res = await call(lambda.handler, eventFor('http-api-v2', { ...PREDICT, headers: { 'x-request-id': 'lambda-capture' } }));
      expect(res.status, res.text).toBe(200);
      // Listed as soon as the invocation returned: nothing is left for a frozen environment.
      const listed = await own.client.send(new ListObjectsV2Command({ Bucket: own.bucket, Prefix: `${PREFIX}/half_plus_two/captures/` }));
      expect(listed.Contents).toHaveLength(1);
      const object = await own.client.send(new GetObjectCommand({ Bucket: own.bucket, Key: listed.Contents![0].Key! }));
      expect(JSON.parse(await object.Body!.transformToString())).toMatchObject({ request_id: 'lambda-capture', status: 200, request: { inputs: { x: [[1], [2], [5]] } }, outputs: { y: [[2.5], [3], [4.5]] } });
    } finally {
      await own.stop();
    }
  });
});

describe('the recorded events, unchanged', () => {
  it.each([
    ['http-api-v2-predict.json', 200, { predictions: [[2.5], [3.0], [4.5]] }],
    ['function-url-predict.json', 200, { outputs: [[3.5], [4.0]] }],
    ['http-api-v2-healthz.json', 200, { status: 'ok', models: ['classifier', 'multi_io', 'regressor', 'half_plus_two', 'colors', 'sentiment'] }],
  ])('%s', async (file, status, body) => {
    const res = await call(environment(bucket, env(freshTmp())).handler, fixture(file));
    expect(res.status, res.text).toBe(status);
    expect(res.json()).toEqual(body);
  });

  it('rest-api-v1-metadata.json', async () => {
    const res = await call(environment(bucket, env(freshTmp())).handler, fixture('rest-api-v1-metadata.json'));
    expect(res.status, res.text).toBe(200);
    expect(res.json().model_spec).toEqual({ name: 'half_plus_two', signature_name: '', version: '1' });
  });
});

describe('model bytes: S3 once, then memory, then /tmp', () => {
  it('a cold invocation downloads the model once; warm ones do not touch S3 for model bytes', async () => {
    const lambda = environment(bucket, env(freshTmp()));
    const before = bucket.gets(MODEL_BYTES);
    expect((await call(lambda.handler, eventFor('http-api-v2', PREDICT))).status).toBe(200);
    expect(bucket.gets(MODEL_BYTES)).toBe(before + 1);
    for (let i = 0; i < 5; i++) {
      expect((await call(lambda.handler, eventFor('http-api-v2', PREDICT))).status).toBe(200);
      expect((await call(lambda.handler, eventFor('function-url', { method: 'GET', path: '/v1/models/half_plus_two/metadata' }))).status).toBe(200);
    }
    expect(bucket.gets(MODEL_BYTES)).toBe(before + 1);
  });

  it('a re-initialised environment loads from /tmp without downloading model bytes', async () => {
    const tmp = freshTmp();
    const first = environment(bucket, env(tmp));
    const before = bucket.gets(MODEL_BYTES);
    expect((await call(first.handler, eventFor('http-api-v2', PREDICT))).status).toBe(200);
    await (await first.service).disk!.idle();
    expect(keptFiles(tmp)).toEqual(['1/model.onnx']); // the version's folder, under its location's digest
    expect(bucket.gets(MODEL_BYTES)).toBe(before + 1);

    const second = environment(bucket, env(tmp)); // a fresh module in the same sandbox
    const res = await call(second.handler, eventFor('http-api-v2', PREDICT));
    expect(res.status, res.text).toBe(200);
    expect(res.json()).toEqual({ predictions: [[2.5], [3.0], [4.5]] });
    expect(bucket.gets(MODEL_BYTES)).toBe(before + 1);
  });

  it('TMP_CACHE_BYTES=0 turns the disk tier off: a re-initialised environment downloads again', async () => {
    const tmp = freshTmp();
    const before = bucket.gets(MODEL_BYTES);
    for (let i = 1; i <= 2; i++) {
      const lambda = environment(bucket, env(tmp, { TMP_CACHE_BYTES: '0' }));
      expect((await call(lambda.handler, eventFor('http-api-v2', PREDICT))).status).toBe(200);
      expect((await lambda.service).disk).toBeNull();
      expect(bucket.gets(MODEL_BYTES)).toBe(before + i);
    }
  });
});

describe('the module entry (handler.ts) configured by environment variables', () => {
  it('composes on first use, from MODEL_NAME and MODEL_BASE_PATH; a fresh module reuses /tmp', async () => {
    const tmp = freshTmp();
    vi.stubEnv('MODEL_NAME', 'half_plus_two');
    vi.stubEnv('MODEL_BASE_PATH', bucket.url());
    vi.stubEnv('TMP_CACHE_DIR', tmp);
    for (const [name, value] of Object.entries(bucket.env)) vi.stubEnv(name, value);
    try {
      const before = bucket.gets(MODEL_BYTES);
      const first = await freshHandlerModule(1);
      const res = await call(first.handler, eventFor('http-api-v2', PREDICT));
      expect(res.status, res.text).toBe(200);
      expect(res.json()).toEqual({ predictions: [[2.5], [3.0], [4.5]] });
      expect(bucket.gets(MODEL_BYTES)).toBe(before + 1);
      await vi.waitFor(() => expect(keptFiles(tmp)).toEqual(['1/model.onnx']));

      const second = await freshHandlerModule(2);
      expect(second.handler).not.toBe(first.handler);
      expect((await call(second.handler, eventFor('function-url', PREDICT))).status).toBe(200);
      expect(bucket.gets(MODEL_BYTES)).toBe(before + 1);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('configuration and access', () => {
  it('a misconfigured environment answers 500 without naming settings, and logs why', async () => {
    const broken = environment(bucket, { MODEL_NAME: 'x' });
    const res = await call(broken.handler, eventFor('http-api-v2', PREDICT));
    expect(res.status).toBe(500);
    expect(res.json()).toEqual({ error: 'The model server is misconfigured; see the function logs' });
    expect(broken.logs.join('\n')).toContain('no models to serve: set MODEL_BASE_PATH');
  });

  it('a bad variable read by the real handler answers a JSON 500 and logs one line naming it', async () => {
    vi.stubEnv('MODEL_CONFIG_FILE', configFile);
    vi.stubEnv('CACHE_BYTES', 'lots');
    const logged: unknown[][] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args));
    try {
      const { handler } = await freshHandlerModule(3);
      const res = await call(handler, eventFor('http-api-v2', PREDICT));
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toEqual({ error: 'The model server is misconfigured; see the function logs' });
      expect(logged).toEqual([[expect.stringMatching(/^edgeserve: environment: CACHE_BYTES=lots: expected/)]]);
    } finally {
      spy.mockRestore();
      vi.unstubAllEnvs();
    }
  });

  it('a composition that failed is tried again on the next invocation', async () => {
    const good = environment(bucket, env(freshTmp()));
    let fail = true;
    const handler = lazyHandler(
      async () => {
        if (fail) throw new Error('boom');
        await call(good.handler, eventFor('http-api-v2', { method: 'GET', path: '/healthz' }));
        return good.service;
      },
      () => {},
    );
    expect((await call(handler, eventFor('http-api-v2', PREDICT))).status).toBe(500);
    fail = false;
    expect((await call(handler, eventFor('http-api-v2', PREDICT))).status).toBe(200);
  });

  it('API_KEYS guards the API but not /healthz', async () => {
    const lambda = environment(bucket, env(freshTmp(), { API_KEYS: 'k1,k2' }));
    expect((await call(lambda.handler, eventFor('http-api-v2', PREDICT))).status).toBe(401);
    const ok = await call(lambda.handler, eventFor('function-url', { ...PREDICT, headers: { Authorization: 'Bearer k2' } }));
    expect(ok.status).toBe(200);
    expect((await call(lambda.handler, fixture('http-api-v2-healthz.json'))).status).toBe(200);
  });
});
