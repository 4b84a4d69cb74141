import { describe, expect, it } from 'vitest';
import type { Backend, RunContext, Session } from '../backend/backend.ts';
import { MemorySource } from '../repository/memory-source.ts';
import { createService, type ServiceSettings } from '../service/create-service.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { NamedStep } from './chain.ts';
import type { RequestTrace, TraceExport } from '../trace/trace-export.ts';
import type { SpanRecord } from '../trace/spans.ts';

// Model chains through the one composition (createService), with in-memory storage and a fake
// backend whose model.onnx names what the "model" does. Each test's repository is its own.
type Behaviour = { signature: Session['signature']; run: (x: Float32Array, dims: number[]) => Float32Array | Promise<Float32Array>; outDims?: (dims: number[]) => number[] };
const behaviours: Record<string, Behaviour> = {
  // [batch, 4] -> [batch, 4], doubled
  double: {
    signature: { inputs: [{ name: 'x', dtype: 'float32', dims: [-1, 4] }], outputs: [{ name: 'y', dtype: 'float32', dims: [-1, 4] }] },
    run: (x) => x.map((v) => v * 2),
  },
  // [1, 2] -> [1, 1], the sum: fixed at batch 1, as most exports are
  sum: {
    signature: { inputs: [{ name: 'pair', dtype: 'float32', dims: [1, 2] }], outputs: [{ name: 'total', dtype: 'float32', dims: [1, 1] }] },
    run: (x) => Float32Array.of(x[0] + x[1]),
    outDims: () => [1, 1],
  },
  // never answers
  hang: {
    signature: { inputs: [{ name: 'x', dtype: 'float32', dims: [-1, 4] }], outputs: [{ name: 'y', dtype: 'float32', dims: [-1, 4] }] },
    run: () => new Promise<Float32Array>(() => {}),
  },
};

function setup(files: Record<string, string>, over: Partial<ServiceSettings> = {}, namedSteps: Record<string, NamedStep> = {}, traces?: TraceExport) {
  const runs: { model: string; dims: number[]; context?: RunContext }[] = [];
  const backend: Backend = {
    name: 'fake',
    async load(bytes) {
      const kind = new TextDecoder().decode(bytes as Uint8Array);
      const b = behaviours[kind];
      return {
        signature: b.signature,
        async run(inputs, context) {
          const x = Object.values(inputs)[0];
          runs.push({ model: kind, dims: x.dims, context });
          const y = await b.run(x.data as Float32Array, x.dims);
          return { [b.signature.outputs[0].name]: { dtype: 'float32', dims: b.outDims?.(x.dims) ?? x.dims, data: y } as Tensor };
        },
        release: async () => {},
      };
    },
  };
  const root = new MemorySource('mem:');
  const sources = new Map<string, MemorySource>();
  for (const [path, content] of Object.entries(files)) {
    const [model, ...rest] = path.split('/');
    root.put(path, content);
    if (!sources.has(model)) sources.set(model, new MemorySource(`mem:/${model}`));
    sources.get(model)!.put(rest.join('/'), content);
  }
  const settings: ServiceSettings = { cacheBytes: 1 << 20, pollIntervalMs: -1, apiKeys: [], maxBodyBytes: 1 << 20, maxTensorBytes: 1 << 24, timeoutMs: 5000, cors: false, batching: null, ...over };
  const service = createService(settings, { models: { root, sourceFor: (name) => sources.get(name) ?? new MemorySource() }, backend, namedSteps, traces });
  const call = async (path: string, body?: unknown) => {
    const res = await service.fetch(new Request(`http://edge${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) }));
    return { status: res.status, body: (await res.json()) as any };
  };
  return { call, runs, service };
}

/** A WAV file of 16-bit samples at 16 kHz, base64, for an audio input. */
function wav(samples: number[]): { b64: string } {
  const bytes = new Uint8Array(44 + samples.length * 2);
  const view = new DataView(bytes.buffer);
  const text = (at: number, s: string) => [...s].forEach((c, i) => (bytes[at + i] = c.charCodeAt(0)));
  text(0, 'RIFF');
  view.setUint32(4, 36 + samples.length * 2, true);
  text(8, 'WAVEfmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, 16000, true);
  view.setUint32(28, 32000, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, 'data');
  view.setUint32(40, samples.length * 2, true);
  samples.forEach((s, i) => view.setInt16(44 + i * 2, s, true));
  return { b64: Buffer.from(bytes).toString('base64') };
}

// audio (4 samples, as int16 values) -> double (model "twice", version 1) -> +1 -> frames of 2 ->
// reshape to pairs -> this version's own model (the sum of a pair, per row) -> the largest sum.
const chain = (over: object = {}) =>
  JSON.stringify({
    inputs: [{ name: 'audio', kind: 'audio', rate: 16000, multiply: 32768, feeds: 'samples' }],
    steps: [
      { model: 'twice', version: 1, inputs: { x: 'samples' }, outputs: { y: 'doubled' } },
      { op: 'affine', input: 'doubled', add: 1 },
      { op: 'frames', input: 'doubled', axis: 1, size: 2, step: 2, output: 'pairs' },
      { op: 'reshape', input: 'pairs', dims: [-1, 2] },
      { model: '@this', inputs: { pair: 'pairs' }, outputs: { total: 'sums' } },
      { op: 'max', input: 'sums', axis: 0 },
      { op: 'reshape', input: 'sums', dims: [] },
    ],
    outputs: [{ name: 'best', from: 'sums' }],
    ...over,
  });
const repo = (declaration = chain(), extra: Record<string, string> = {}) => ({
  'twice/1/model.onnx': 'double',
  'pairsum/1/model.onnx': 'sum',
  'pairsum/1/pipeline.json': declaration,
  ...extra,
});

describe('a model chain', () => {
  it('runs each example through the steps: another model, tensor steps, its own model fixed at batch 1', async () => {
    const { call, runs } = setup(repo());
    const res = await call('/v1/models/pairsum:predict', { instances: [wav([1, 2, 3, 4]), wav([10, -10, 0, 5])] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // (2+1)+(4+1)=8 vs (6+1)+(8+1)=16; (20+1)+(-20+1)=2 vs (0+1)+(10+1)=12
    expect(res.body).toEqual({ predictions: [16, 12] });
    // The own model is fixed at batch 1: each example's two pairs run one by one.
    expect(runs.filter((r) => r.model === 'sum').map((r) => r.dims)).toEqual(Array(4).fill([1, 2]));
  });

  it("traces each step inside the request's run, a model step with its own acquire and run", async () => {
    const traces: RequestTrace[] = [];
    const { call } = setup(repo(), {}, {}, { sampled: () => true, export: (t) => traces.push(t), flush: async () => {} });
    expect((await call('/v1/models/pairsum:predict', { instances: [wav([1, 2, 3, 4])] })).status).toBe(200);
    const tree = (s: SpanRecord): unknown => (s.children.length ? { [s.name]: s.children.map(tree) } : s.name);
    expect(tree(traces[0].root)).toEqual({
      predict: ['acquire', { run: ['preprocess', { step: ['acquire', 'run'] }, 'step', 'step', 'step', 'step', 'step', 'step', 'postprocess'] }, 'encode'],
    });
    const steps = traces[0].root.children[1].children.filter((s) => s.name === 'step');
    expect(steps.map((s) => s.attributes['edgeserve.step.kind'])).toEqual(['model twice', 'tensor affine', 'tensor frames', 'tensor reshape', 'model @this', 'tensor max', 'tensor reshape']);
    expect(steps.every((s) => s.endMs! >= s.startMs)).toBe(true);
  });

  it('shows the raw input and the declared outputs in its metadata', async () => {
    const { call } = setup(repo());
    const def = (await call('/v1/models/pairsum/metadata')).body.metadata.signature_def.signature_def.serving_default;
    expect(def.inputs).toEqual({ audio: { dtype: 'DT_STRING', tensor_shape: { dim: [{ size: '-1', name: '' }], unknown_rank: false }, name: 'audio' } });
    expect(def.outputs.best).toEqual({ dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: '-1', name: '' }], unknown_rank: false }, name: 'best' });
  });

  it("batches a step's model across the examples and requests that reach it together", async () => {
    const batching = { maxBatchSize: 8, batchTimeoutMicros: 0, maxEnqueuedBatches: 4, numBatchThreads: 1, allowedBatchSizes: [], enableLargeBatchSplitting: false, maxExecutionBatchSize: 8, padVariableLengthInputs: false };
    const { call, runs } = setup(repo(), { batching });
    const examples = [wav([1, 2, 3, 4]), wav([5, 6, 7, 8]), wav([0, 0, 0, 1])];
    const [a, b] = await Promise.all([call('/v1/models/pairsum:predict', { instances: examples }), call('/v1/models/pairsum:predict', { instances: examples.slice(0, 1) })]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.predictions).toEqual([16, 32, 4]);
    // Four examples reached "twice" (one row each): fewer runs than examples means they were merged.
    const twice = runs.filter((r) => r.model === 'double');
    expect(twice.reduce((n, r) => n + r.dims[0], 0)).toBe(4);
    expect(twice.length).toBeLessThan(4);
  });

  it("gives every step the request's deadline, and answers DEADLINE_EXCEEDED when a step outlives it", async () => {
    const hanging = chain({
      steps: [
        { model: 'stuck', inputs: { x: 'samples' }, outputs: { y: 'pairs' } },
        { op: 'reshape', input: 'pairs', dims: [-1, 2] },
        { model: '@this', inputs: { pair: 'pairs' }, outputs: { total: 'sums' } },
        { op: 'max', input: 'sums', axis: 0 },
        { op: 'reshape', input: 'sums', dims: [] },
      ],
    });
    const { call, runs } = setup(repo(hanging, { 'stuck/1/model.onnx': 'hang' }), { timeoutMs: 300 });
    const res = await call('/v1/models/pairsum:predict', { instances: [wav([1, 2, 3, 4])] });
    expect(res.status).toBe(504);
    const step = runs.find((r) => r.model === 'hang')!;
    expect(step.context?.signal?.aborted).toBe(true);
    expect(step.context!.timeLeft!()).toBeLessThanOrEqual(300);
  });

  it('follows the label a step pins, per request', async () => {
    const labelled = chain({
      steps: [
        { model: 'twice', label: 'stable', inputs: { x: 'samples' }, outputs: { y: 'doubled' } },
        { op: 'frames', input: 'doubled', axis: 1, size: 2, step: 2, output: 'pairs' },
        { op: 'reshape', input: 'pairs', dims: [-1, 2] },
        { model: '@this', inputs: { pair: 'pairs' }, outputs: { total: 'sums' } },
        { op: 'max', input: 'sums', axis: 0 },
        { op: 'reshape', input: 'sums', dims: [] },
      ],
    });
    const { call, runs } = setup(repo(labelled, { 'twice/2/model.onnx': 'double', 'twice/model.json': JSON.stringify({ version_policy: { all: {} }, labels: { stable: 2 } }) }));
    expect((await call('/v1/models/pairsum:predict', { instances: [wav([1, 2, 3, 4])] })).body).toEqual({ predictions: [14] });
    expect(runs.some((r) => r.model === 'double')).toBe(true);
  });

  it('calls a named TypeScript step built into the target', async () => {
    const negate: NamedStep = {
      inputs: { v: { dtype: 'float32', dims: [1, -1] } },
      outputs: { w: { dtype: 'float32', dims: [-1, 4] } },
      run: ({ v }, args) => ({ w: { dtype: 'float32', dims: v.dims, data: (v.data as Float32Array).map((x) => -x * (args.by as number)) } }),
    };
    const named = chain({
      steps: [
        { call: 'negate', inputs: { v: 'samples' }, outputs: { w: 'flipped' }, args: { by: 2 } },
        { op: 'reshape', input: 'flipped', dims: [-1, 2] },
        { model: '@this', inputs: { pair: 'flipped' }, outputs: { total: 'sums' } },
        { op: 'max', input: 'sums', axis: 0 },
        { op: 'reshape', input: 'sums', dims: [] },
      ],
    });
    const { call } = setup(repo(named), {}, { negate });
    expect((await call('/v1/models/pairsum:predict', { instances: [wav([1, 2, 3, 4])] })).body).toEqual({ predictions: [-6] });
  });

  it('answers 400 naming the input or the step for data the chain cannot take', async () => {
    const { call } = setup(repo());
    const notWav = await call('/v1/models/pairsum:predict', { instances: [{ b64: Buffer.from('not a wav').toString('base64') }] });
    expect(notWav).toEqual({ status: 400, body: { error: 'input audio: not a WAV file (no RIFF/WAVE header)' } });
    const odd = await call('/v1/models/pairsum:predict', { instances: [wav([1, 2, 3, 4]), wav([1])] });
    expect(odd.status).toBe(400);
    expect(odd.body.error).toMatch(/^example 1: /);
  });
});

describe("a chain's golden warmup", () => {
  const warmup = (best: number) => JSON.stringify({ requests: [{ request: { instances: [wav([1, 2, 3, 4])] }, expected: { best: [best] } }] });
  it('runs the whole chain, from the WAV to the answer, before the version serves; a disagreeing version never serves', async () => {
    const files = {
      ...repo(),
      'pairsum/1/warmup.json': warmup(16),
      'pairsum/2/model.onnx': 'sum',
      'pairsum/2/pipeline.json': chain(),
      'pairsum/2/warmup.json': warmup(17),
      'pairsum/model.json': JSON.stringify({ version_policy: { all: {} } }),
    };
    const { call, runs } = setup(files);
    const one = await call("/v1/models/pairsum/versions/1:predict", { instances: [wav([1, 2, 3, 4])] });
    expect(one.status, JSON.stringify(one.body)).toBe(200);
    expect(runs.filter((r) => r.model === 'double')).toHaveLength(2);
    const two = await call('/v1/models/pairsum/versions/2:predict', { instances: [wav([1, 2, 3, 4])] });
    expect(two.status).not.toBe(200);
    expect(two.body.error).toMatch(/warmup\.json/);
  });
});

describe('a chain that does not fit fails its version at load, naming the step', () => {
  const failure = async (files: Record<string, string>, named: Record<string, NamedStep> = {}) => {
    const { call } = setup(files, {}, named);
    const res = await call('/v1/models/pairsum:predict', { instances: [wav([1, 2, 3, 4])] });
    expect(res.status).not.toBe(200);
    return res.body.error as string;
  };
  const at = 'model pairsum version 1: pipeline.json:';

  it('a model the repository does not have', async () => {
    const steps = JSON.parse(chain()).steps;
    steps[0].model = 'thrice';
    expect(await failure(repo(chain({ steps })))).toContain('thrice');
  });

  it('a model input no tensor feeds, or one of another rank', async () => {
    const steps = JSON.parse(chain()).steps;
    steps[4].inputs = { pair: 'nothing' };
    expect(await failure(repo(chain({ steps })))).toBe(`${at} steps[4].inputs.pair: no input or earlier step makes a tensor named "nothing" (there are samples, doubled, pairs)`);
    steps[4].inputs = { pair: 'pairs' };
    steps[3].dims = [-1];
    expect(await failure(repo(chain({ steps })))).toBe(`${at} steps[4].inputs.pair: pairs is [-1], input pair takes [1, 2]`);
  });

  it('a step that names a step not built in', async () => {
    const steps = [{ call: 'denoise', inputs: {} }, ...JSON.parse(chain()).steps];
    expect(await failure(repo(chain({ steps })))).toBe(`${at} steps[0].call: no step named "denoise" is built into this server (none are; steps/index.ts registers them)`);
  });

  it('a chain as a step of another chain, even two chains calling each other (no deadlock)', async () => {
    const other = chain({ steps: [{ model: 'pairsum', inputs: { pair: 'samples' } }], outputs: [{ name: 'o', from: 'total' }] });
    const files = repo(undefined, { 'loop/1/model.onnx': 'sum', 'loop/1/pipeline.json': other });
    const steps = JSON.parse(chain()).steps;
    steps[0] = { model: 'loop', inputs: { pair: 'samples' }, outputs: { o: 'doubled' } };
    files['pairsum/1/pipeline.json'] = chain({ steps });
    expect(await failure(files)).toMatch(/chains do not nest/);
  });
});
