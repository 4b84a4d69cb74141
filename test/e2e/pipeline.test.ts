import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graph } from '../fixtures/onnx-writer.ts';
import { grpcClient } from '../grpc/client.ts';
import { startServer, type ServerProcess } from './server-process.ts';

// pipeline.json end to end on the real server: images in (raw body, JSON b64, gRPC DT_STRING),
// class names out, equal to a reference computed outside edgeserve: Pillow's decode and
// torchvision's Resize(64) + CenterCrop(56) (test/fixtures/images/reference.json), normalised in
// float32 as torchvision does, run through onnxruntime-node directly, softmax and top-k here.
const IMAGES = join(import.meta.dirname, '../fixtures/images');
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
const LABELS = ['red', 'green', 'blue'];

/** Fixed batch 1, NCHW 56x56 (as real exports are): logits = W · the mean of each channel. */
const model = graph({
  inputs: [{ name: 'x', dtype: 'float32', dims: [1, 3, 56, 56] }],
  outputs: [{ name: 'logits', dtype: 'float32', dims: [1, 3] }],
  initializers: [{ name: 'W', dtype: 'float32', dims: [3, 3], data: [3, -1, 0.5, 0.2, 2, -1, -0.5, 1, 2.5] }],
  nodes: [
    { op: 'GlobalAveragePool', inputs: ['x'], outputs: ['pooled'] },
    { op: 'Flatten', inputs: ['pooled'], outputs: ['means'], attrs: { axis: 1 } },
    { op: 'MatMul', inputs: ['means', 'W'], outputs: ['logits'] },
  ],
});
const pipeline = (feeds = 'x') => ({
  inputs: [
    {
      name: 'image',
      kind: 'image',
      feeds,
      max_pixels: 1_000_000,
      steps: [
        { op: 'resize', shorter_side: 64, filter: 'bilinear' },
        { op: 'center_crop', width: 56, height: 56 },
      ],
      tensor: { channels: 'rgb', layout: 'nchw', dtype: 'float32', divide: 255, mean: MEAN, std: STD },
    },
  ],
  outputs: [{ name: 'classes', from: 'logits', steps: [{ op: 'softmax' }, { op: 'top_k', k: 2, scores: 'scores' }] }],
});

let dir: string;
let server: ServerProcess;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgeserve-pipeline-'));
  const version = (v: number, declaration: object, warmup?: object) => {
    mkdirSync(join(dir, 'pics', String(v)), { recursive: true });
    writeFileSync(join(dir, 'pics', String(v), 'model.onnx'), model);
    writeFileSync(join(dir, 'pics', String(v), 'labels.txt'), LABELS.join('\n'));
    writeFileSync(join(dir, 'pics', String(v), 'pipeline.json'), JSON.stringify(declaration));
    if (warmup) writeFileSync(join(dir, 'pics', String(v), 'warmup.json'), JSON.stringify(warmup));
  };
  // Golden warmup runs the whole chain, from the encoded image to the class names.
  const golden = (classes: string[]) => ({
    requests: [{ request: { instances: [{ b64: readFileSync(join(IMAGES, 'photo.png')).toString('base64') }] }, expected: { classes: [classes] } }],
  });
  version(1, pipeline(), golden((await reference('photo.png')).classes));
  // Version 2's declaration feeds an input the model does not have: it must never serve.
  version(2, pipeline('pixels'));
  // Version 3's steps disagree with its golden answer: it must never serve either.
  version(3, pipeline(), golden(['blue', 'red']));
  writeFileSync(join(dir, 'pics', 'model.json'), JSON.stringify({ version_policy: { all: {} } }));
  writeFileSync(
    join(dir, 'models.config'),
    `model_config_list { config { name: "pics" base_path: "${join(dir, 'pics')}" model_platform: "onnx" } config { name: "half_plus_two" base_path: "${join(process.cwd(), 'models/half_plus_two')}" model_platform: "onnx" } config { name: "sentiment" base_path: "${join(process.cwd(), 'models/sentiment')}" model_platform: "onnx" } }`,
  );
  server = await startServer([`--model_config_file=${join(dir, 'models.config')}`], {}, { grpc: true });
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The answer computed without edgeserve, from Pillow's pixels. */
async function reference(image: string): Promise<{ classes: string[]; scores: number[] }> {
  const rgb = readFileSync(join(IMAGES, `${image.replace(/\.(jpg|png|webp)$/, '')}.crop56.rgb`));
  const f = Math.fround;
  const x = new Float32Array(3 * 56 * 56);
  for (let p = 0; p < 56 * 56; p++) for (let c = 0; c < 3; c++) x[c * 56 * 56 + p] = f(f(f(rgb[p * 3 + c] / 255) - f(MEAN[c])) / f(STD[c]));
  const session = await ort.InferenceSession.create(model);
  const logits = Array.from((await session.run({ x: new ort.Tensor('float32', x, [1, 3, 56, 56]) })).logits.data as Float32Array);
  await session.release();
  const max = Math.max(...logits);
  const exp = logits.map((v) => Math.exp(v - max));
  const probs = exp.map((v) => v / exp.reduce((a, b) => a + b, 0));
  const order = probs.map((p, i) => [p, i]).sort((a, b) => b[0] - a[0]).slice(0, 2);
  return { classes: order.map(([, i]) => LABELS[i]), scores: order.map(([p]) => f(p)) };
}

const post = (path: string, body: BodyInit, type: string) => fetch(`${server.url}/v1/models/${path}`, { method: 'POST', body, headers: { 'content-type': type } });
const asFloat32 = (answer: { classes: string[]; scores: number[] }) => ({ classes: answer.classes, scores: answer.scores.map(Math.fround) });

describe('an image model behind pipeline.json', () => {
  it('answers a raw JPEG, PNG or WebP body with class names and scores equal to the reference', async () => {
    for (const [image, type] of [['photo-420.jpg', 'image/jpeg'], ['photo.png', 'image/png'], ['palette.png', 'application/octet-stream'], ['photo-lossy.webp', 'image/webp']]) {
      const res = await post('pics:predict', readFileSync(join(IMAGES, image)), type);
      expect(res.status, image).toBe(200);
      expect(res.headers.get('x-model-version')).toBe('1');
      const { predictions } = (await res.json()) as { predictions: { classes: string[]; scores: number[] }[] };
      expect(predictions.map(asFloat32), image).toEqual([await reference(image)]);
    }
  });

  it('takes {"b64": ...} instances, several per request, through the model fixed at batch 1', async () => {
    const b64 = (image: string) => ({ b64: readFileSync(join(IMAGES, image)).toString('base64') });
    const res = await post('pics:predict', JSON.stringify({ instances: [b64('photo-444.jpg'), b64('grey.png')] }), 'application/json');
    expect(res.status).toBe(200);
    const { predictions } = (await res.json()) as { predictions: { classes: string[]; scores: number[] }[] };
    expect(predictions.map(asFloat32)).toEqual([await reference('photo-444.jpg'), await reference('grey.png')]);
  });

  it('takes DT_STRING bytes over gRPC Predict', async () => {
    const client = grpcClient(server.grpcAddress!.replace(/^[^:]+/, '127.0.0.1'));
    try {
      const bytes = readFileSync(join(IMAGES, 'rgba.png'));
      const out = await client.call('prediction', 'Predict', { model_spec: { name: 'pics' }, inputs: { image: { dtype: 7, tensor_shape: { dim: [{ size: 1 }] }, string_val: [bytes] } } });
      const want = await reference('rgba.png');
      expect(out.outputs.classes.string_val.map((b: Uint8Array) => Buffer.from(b).toString())).toEqual(want.classes);
      expect(out.outputs.scores.float_val).toEqual(want.scores);
    } finally {
      client.close();
    }
  });

  it("takes BYTES over the Open Inference Protocol's gRPC, typed contents and raw alike", async () => {
    const client = grpcClient(server.grpcAddress!.replace(/^[^:]+/, '127.0.0.1'));
    try {
      const bytes = readFileSync(join(IMAGES, 'photo-444.jpg'));
      const want = await reference('photo-444.jpg');
      const input = { name: 'image', datatype: 'BYTES', shape: [1] };
      const typed = await client.call('oip', 'ModelInfer', { model_name: 'pics', inputs: [{ ...input, contents: { bytes_contents: [bytes] } }] });
      const length = Buffer.alloc(4);
      length.writeUInt32LE(bytes.length);
      const raw = await client.call('oip', 'ModelInfer', { model_name: 'pics', inputs: [input], raw_input_contents: [Buffer.concat([length, bytes])] });
      for (const out of [typed, raw]) {
        const classes = out.raw_output_contents[0] as Uint8Array;
        // BYTES raw output: a 4-byte little-endian length before each element.
        const names: string[] = [];
        for (let at = 0; at < classes.length; ) {
          const n = Buffer.from(classes).readUInt32LE(at);
          names.push(Buffer.from(classes.subarray(at + 4, at + 4 + n)).toString());
          at += 4 + n;
        }
        expect(names).toEqual(want.classes);
      }
    } finally {
      client.close();
    }
  });

  it('shows the raw input and the final outputs in its metadata', async () => {
    const meta = (await (await fetch(`${server.url}/v1/models/pics/metadata`)).json()) as any;
    const def = meta.metadata.signature_def.signature_def.serving_default;
    expect(def.inputs.image.dtype).toBe('DT_STRING');
    expect(Object.keys(def.outputs)).toEqual(['classes', 'scores']);
    expect(def.outputs.classes.dtype).toBe('DT_STRING');
    expect(def.outputs.scores.tensor_shape.dim.map((d: { size: string }) => d.size)).toEqual(['-1', '2']);
  });

  it("answers 400 naming the input for what is not an image, a broken one, or one over the model's pixel limit", async () => {
    const cases: [Uint8Array | string, string][] = [
      ['not an image', 'input image: not a JPEG, PNG or WebP image (12 bytes)'],
      [readFileSync(join(IMAGES, 'photo-420.jpg')).subarray(0, 700), 'input image: the jpeg is truncated (no end-of-image marker)'],
      [readFileSync(join(IMAGES, 'bomb.png')), "input image: the png is 50000 x 50000 pixels, over this model's limit of 1000000"],
    ];
    for (const [body, message] of cases) {
      const res = await post('pics:predict', body as BodyInit, 'image/jpeg');
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toContain(message);
    }
    const batch = await post('pics:predict', JSON.stringify({ instances: [{ b64: 'aGVsbG8=' }, { b64: 'aGVsbG8=' }] }), 'application/json');
    expect(((await batch.json()) as { error: string }).error).toBe('input image, example 0: not a JPEG, PNG or WebP image (5 bytes)');
  });

  it('refuses a raw body for a model without an image input', async () => {
    const res = await post('half_plus_two:predict', readFileSync(join(IMAGES, 'photo.png')), 'image/png');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^Model half_plus_two takes no raw body: its inputs are x \(float32\)/);
  });

  it('never serves a version whose declaration does not fit its model, or whose golden answer disagrees; version 1 keeps serving', async () => {
    const status = (await (await fetch(`${server.url}/v1/models/pics`)).json()) as { model_version_status: { version: string; state: string; status: { error_message: string } }[] };
    const of = (v: string) => status.model_version_status.find((s) => s.version === v)!;
    expect(of('1').state).toBe('AVAILABLE');
    expect(of('2').state).toBe('END');
    expect(of('2').status.error_message).toBe('model pics version 2: pipeline.json: inputs[0].feeds: the model has no input "pixels" (it has x)');
    expect(of('3').state).toBe('END');
    expect(of('3').status.error_message).toMatch(/warmup\.json.*classes/);
    const res = await post('pics:predict', readFileSync(join(IMAGES, 'photo.png')), 'image/png');
    expect(res.headers.get('x-model-version')).toBe('1');
  });
});

describe('a text model behind pipeline.json (the bundled sentiment model)', () => {
  const SENTIMENT = join(process.cwd(), 'models/sentiment/1');
  /** The answer computed without edgeserve: the tokenizer library on the version's tokenizer.json, onnxruntime, softmax. */
  async function textReference(texts: string[]): Promise<{ label: string[]; score: number[] }[]> {
    const { Tokenizer } = await import('@huggingface/tokenizers');
    const tokenizer = new Tokenizer(JSON.parse(readFileSync(join(SENTIMENT, 'tokenizer.json'), 'utf8')), JSON.parse(readFileSync(join(SENTIMENT, 'tokenizer_config.json'), 'utf8')));
    const encoded = texts.map((t) => tokenizer.encode(t).ids.map(Number));
    const length = Math.max(...encoded.map((e) => e.length));
    const ids = BigInt64Array.from(encoded.flatMap((e) => [...e, ...Array(length - e.length).fill(0)]).map(BigInt));
    const mask = BigInt64Array.from(encoded.flatMap((e) => [...e.map(() => 1n), ...Array(length - e.length).fill(0n)]));
    const session = await ort.InferenceSession.create(readFileSync(join(SENTIMENT, 'model.onnx')));
    const out = await session.run({ input_ids: new ort.Tensor('int64', ids, [texts.length, length]), attention_mask: new ort.Tensor('int64', mask, [texts.length, length]) });
    await session.release();
    const logits = out.logits.data as Float32Array;
    return texts.map((_, i) => {
      const [a, b] = [logits[i * 2], logits[i * 2 + 1]];
      const pb = 1 / (1 + Math.exp(a - b));
      return b > a ? { label: ['positive'], score: [Math.fround(pb)] } : { label: ['negative'], score: [Math.fround(1 - pb)] };
    });
  }

  it('answers JSON text instances, padded to the longest, as the tokenizer and the model give them directly', async () => {
    const texts = ['The movie was great fun!', 'A boring, terrible plot.', 'not bad'];
    const res = await post('sentiment:predict', JSON.stringify({ instances: texts }), 'application/json');
    expect(res.status).toBe(200);
    const { predictions } = (await res.json()) as { predictions: { label: string[]; score: number[] }[] };
    expect(predictions.map((p) => ({ label: p.label, score: p.score.map(Math.fround) }))).toEqual(await textReference(texts));
  });

  it('reads a text/plain body as JSON, as TF Serving does (fetch labels every string body so)', async () => {
    const res = await post('sentiment:predict', JSON.stringify({ instances: ['I hate it'] }), 'text/plain;charset=UTF-8');
    expect(((await res.json()) as { predictions: unknown[] }).predictions).toEqual([{ label: ['negative'], score: [expect.any(Number)] }]);
  });

  it('answers 400 naming the input for text over the token limit, before tokenizing megabytes', async () => {
    const long = await post('sentiment:predict', JSON.stringify({ instances: ['fine', 'great '.repeat(40)] }), 'application/json');
    expect(long.status).toBe(400);
    expect(((await long.json()) as { error: string }).error).toBe("input text, example 1: 42 tokens, over this model's limit of 32");
    const huge = await post('sentiment:predict', JSON.stringify({ instances: ['x'.repeat(100_000)] }), 'application/json');
    expect(((await huge.json()) as { error: string }).error).toBe("input text: 100000 characters, over this model's limit of 2048 (32 tokens)");
  });

  it('shows the text input and the final outputs in its metadata', async () => {
    const meta = (await (await fetch(`${server.url}/v1/models/sentiment/metadata`)).json()) as any;
    const def = meta.metadata.signature_def.signature_def.serving_default;
    expect(Object.keys(def.inputs)).toEqual(['text']);
    expect(def.inputs.text.dtype).toBe('DT_STRING');
    expect(Object.keys(def.outputs)).toEqual(['label', 'score']);
  });
});

