import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { batchingModels, VAD_AXES } from '../fixtures/batching-models.ts';

/**
 * The end-to-end batching cases shared by the node server and Worker suites: models with the
 * shapes of real third-party models (test/fixtures/batching-models.ts), 16 callers each, every
 * answer compared bit for bit with a direct onnxruntime-node run of the same model and inputs.
 *
 * Repository: every model as <name>/1/model.onnx, plus `vad_declared` (the vad model with
 * VAD_AXES declared in its model.json) beside plain `vad` (no declaration: it runs unbatched).
 */
export const CALLERS = 16;

/** The model.json that declares vad's batch axes; the timeout gives concurrent callers time to meet. */
export const VAD_MODEL_JSON = JSON.stringify({ batching: { max_batch_size: 64, batch_timeout_micros: 20000, batch_axes: VAD_AXES } });

export function repositoryModels(): Record<string, Uint8Array> {
  const models = batchingModels();
  return { ...models, vad_declared: models.vad };
}

interface Feed {
  dtype: 'float32' | 'int64';
  dims: number[];
  values: number[];
}

const floats = (dims: number[], seed: number): Feed => ({
  dtype: 'float32',
  dims,
  values: Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => Math.fround(Math.sin(seed * 37 + i * 1.3) * 4)),
});
const int = (v: number): Feed => ({ dtype: 'int64', dims: [], values: [v] });

const vad = (i: number) => ({ input: floats([1, 24], i), sr: int(i % 4 === 0 ? 8000 : 16000), h: floats([2, 1, 64], i + 50), c: floats([2, 1, 64], i + 90) });

/** Caller i's inputs for each model. */
export const REQUESTS: Record<string, (i: number) => Record<string, Feed>> = {
  fixed_batch: (i) => ({ 'x.1': floats([1, 16, 8], i) }),
  scalar_gain: (i) => ({ x: floats([1 + (i % 2), 4], i), gain: int(i - 3) }),
  vad,
  vad_declared: vad,
  unknown_rank: (i) => ({ x: floats([1 + (i % 3), 2], i) }),
  fixed_dims: (i) => ({ x: floats([1 + (i % 3), 3, 2], i) }),
};

/** The REST :predict body (columnar "inputs", which takes scalars and any rank). */
export function predictBody(feeds: Record<string, Feed>): string {
  return JSON.stringify({ inputs: Object.fromEntries(Object.entries(feeds).map(([name, f]) => [name, nest(f.values, f.dims)])) });
}

function nest(values: number[], dims: number[]): unknown {
  if (dims.length === 0) return values[0];
  const [n, ...rest] = dims;
  const size = values.length / n;
  return Array.from({ length: n }, (_, i) => nest(values.slice(i * size, (i + 1) * size), rest));
}

const sessions = new Map<string, Promise<ort.InferenceSession>>();

/** Checks one :predict answer against a direct onnxruntime-node run: same shapes, same bits. */
export async function expectSameAsDirectRun(model: string, feeds: Record<string, Feed>, body: { outputs: unknown }): Promise<void> {
  const bytes = repositoryModels()[model];
  if (!sessions.has(model)) sessions.set(model, ort.InferenceSession.create(bytes));
  const session = await sessions.get(model)!;
  const inputs = Object.fromEntries(
    Object.entries(feeds).map(([name, f]) => [
      name,
      new ort.Tensor(f.dtype, f.dtype === 'int64' ? BigInt64Array.from(f.values.map(BigInt)) : Float32Array.from(f.values), f.dims),
    ]),
  );
  const direct = await session.run(inputs);
  const names = session.outputNames;
  const got = (names.length === 1 ? { [names[0]]: body.outputs } : body.outputs) as Record<string, unknown>;
  for (const name of names) {
    const want = direct[name];
    expect(shapeOf(got[name]), `${model} ${name} shape`).toEqual(want.dims);
    const bits = new Uint32Array(Float32Array.from((got[name] as unknown[]).flat(Infinity) as number[]).buffer);
    expect(Array.from(bits), `${model} ${name} bits`).toEqual(Array.from(new Uint32Array((want.data as Float32Array).slice().buffer)));
  }
}

function shapeOf(value: unknown): number[] {
  return Array.isArray(value) ? [value.length, ...shapeOf(value[0])] : [];
}

/** A counter or gauge's value in Prometheus text, 0 when the series is absent. */
export function series(metrics: string, name: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

/** 16 concurrent callers of `model` through `post`: each must get what a direct session run gives it. */
export async function expectEveryCallerServed(model: string, post: (path: string, body: string) => Promise<Response>): Promise<void> {
  const feeds = Array.from({ length: CALLERS }, (_, i) => REQUESTS[model](i));
  const answers = await Promise.all(feeds.map(async (f) => post(`${model}:predict`, predictBody(f))));
  for (let i = 0; i < CALLERS; i++) {
    const text = await answers[i].text();
    if (answers[i].status !== 200) throw new Error(`caller ${i} got ${answers[i].status}: ${text}`);
    await expectSameAsDirectRun(model, feeds[i], JSON.parse(text));
  }
}
