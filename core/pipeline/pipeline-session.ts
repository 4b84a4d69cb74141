import type { Session } from '../backend/backend.ts';
import { invalidArgument, ServingError } from '../errors.ts';
import { bytesOf, type Signature, type Tensor, type TensorSpec } from '../tensor/tensor.ts';
import { decodeWav } from './audio.ts';
import { runChain, type ModelCaller } from './chain.ts';
import { fedBy, type AudioInput, type ImageInput, type Pipeline, type PipelineInput } from './declaration.ts';
import { concatRows, runRows } from './rows.ts';
import { textTensors } from './text.ts';
import { decodeImage, type ImageCodecs } from './image.ts';
import { applyImageStep, writeTensorRow } from './image-steps.ts';
import type { Pixels } from './resample.ts';
import { runOutputStep } from './post.ts';
import { monotonicNow } from '../clock.ts';
import { inSpan } from '../trace/spans.ts';

/**
 * A model version with its pipeline, as one Session: what the manager loads, warms up, leases and
 * runs like any other, so every API, transport and the batcher's RunFn see the pipeline's
 * signature and answers.
 *
 * - signature: the model's inputs with each pipeline input in place of the tensors it feeds (one
 *   string per example: encoded bytes for an image or a WAV, `bytes`; text for a text input), and
 *   the declared outputs in place of the model's. A chain takes its declared inputs alone.
 * - run(): decodes and prepares each example's image (image*.ts), tokenizes its text (text.ts) or
 *   decodes its audio (audio.ts). Without steps, the examples are stacked into the model inputs
 *   (one run per example when the model's batch is fixed at 1, rows.ts), the model runs, then the
 *   output steps; inputs that no step feeds pass through. A chain (chain.ts) runs each example
 *   alone through its steps, within the request's deadline (RunContext), then the output steps,
 *   and stacks the examples' answers.
 * Failures on the caller's bytes are INVALID_ARGUMENT naming the input and the example.
 */
export function pipelineSession(model: Session, pipeline: Pipeline, labels: string[] | null, codecs: ImageCodecs, caller?: ModelCaller): Session {
  const takes = outerInputs(model.signature, pipeline);
  const outputs = runOutputs(model.signature, pipeline);
  const { steps } = pipeline;
  if (!steps) {
    // Examples run one at a time through a model whose batch is fixed at 1: any batch is taken.
    const anyBatch = (spec: TensorSpec): TensorSpec => (spec.dims?.[0] === 1 && pipeline.inputs.length > 0 ? { ...spec, dims: [-1, ...spec.dims.slice(1)] } : spec);
    return {
      signature: { inputs: takes, outputs: outputs.map(anyBatch) },
      async run(inputs, context = {}) {
        const fed = await inSpan(context.span, 'preprocess', monotonicNow, () => prepare(inputs, pipeline, codecs));
        for (const spec of model.signature.inputs) if (!(spec.name in fed)) fed[spec.name] = inputs[spec.name];
        const outputs = await runRows(model.signature, (rows) => model.run(rows), fed);
        return inSpan(context.span, 'postprocess', monotonicNow, () => answers(outputs, pipeline, labels));
      },
      release: () => model.release(),
    };
  }
  // A chain's examples run alone and their answers are stacked: an answer with a batch axis of 1
  // joins the others along it, any other gains an axis in front.
  const joined = new Set(outputs.filter((o) => o.dims?.[0] === 1).map((o) => o.name));
  const stacked = (spec: TensorSpec): TensorSpec => ({ ...spec, dims: spec.dims && [-1, ...(joined.has(spec.name) ? spec.dims.slice(1) : spec.dims)] });
  const rowOf = (name: string, t: Tensor): Tensor => {
    if (!joined.has(name)) return { ...t, dims: [1, ...t.dims] };
    if (t.dims[0] !== 1) throw invalidArgument(`output ${name}: the chain made ${t.dims[0]} rows for one example`);
    return t;
  };
  return {
    signature: { inputs: takes, outputs: outputs.map(stacked) },
    chain: true,
    async run(inputs, context = {}) {
      const n = exampleCount(inputs, pipeline);
      const each = await Promise.all(
        Array.from({ length: n }, async (_, i) => {
          try {
            const fed = await inSpan(context.span, 'preprocess', monotonicNow, () => prepare(n === 1 ? inputs : exampleOf(inputs, i), pipeline, codecs));
            const tensors = new Map(Object.entries(fed));
            await runChain(steps, model, caller, tensors, context);
            return inSpan(context.span, 'postprocess', monotonicNow, () => answers(Object.fromEntries(tensors), pipeline, labels));
          } catch (err) {
            throw n === 1 || !(err instanceof ServingError) ? err : new ServingError(err.code, `example ${i}: ${err.message}`);
          }
        }),
      );
      return Object.fromEntries(Object.keys(each[0]).map((name) => [name, concatRows(each.map((e) => rowOf(name, e[name])), name)]));
    },
    release: () => model.release(),
  };
}

/** The model inputs (a chain's first tensors) that the pipeline's inputs make from what the client sent. */
async function prepare(inputs: Record<string, Tensor>, pipeline: Pipeline, codecs: ImageCodecs): Promise<Record<string, Tensor>> {
  const fed: Record<string, Tensor> = {};
  for (const input of pipeline.inputs) {
    if (input.kind === 'text') Object.assign(fed, textTensors(inputs[input.name], input));
    else if (input.kind === 'image') fed[input.feeds] = await imageTensor(inputs[input.name], input, codecs);
    else fed[input.feeds] = audioTensor(inputs[input.name], input);
  }
  return fed;
}

function exampleCount(inputs: Record<string, Tensor>, pipeline: Pipeline): number {
  const counts = pipeline.inputs.map((input) => {
    const value = inputs[input.name];
    if (!value || value.dtype !== 'string') throw invalidArgument(`input ${input.name}: expects ${input.kind === 'text' ? 'text (strings)' : `encoded ${input.kind} (strings of bytes)`}`);
    return value.data.length;
  });
  if (counts.some((c) => c !== counts[0])) throw invalidArgument(`the inputs hold different numbers of examples (${counts.join(', ')})`);
  if (counts[0] === 0) throw invalidArgument(`input ${pipeline.inputs[0].name}: no examples`);
  return counts[0];
}

function exampleOf(inputs: Record<string, Tensor>, i: number): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(inputs).map(([name, t]) => [name, { dtype: t.dtype, dims: [1], data: [(t.data as string[])[i]] }]));
}

function outerInputs(model: Signature, pipeline: Pipeline): TensorSpec[] {
  const raw = (input: PipelineInput): TensorSpec => ({ name: input.name, dtype: 'string', dims: [-1], ...(input.kind !== 'text' && { bytes: true }) });
  // A chain takes its inputs alone. Otherwise each pipeline input stands where the first model
  // input it feeds stood; the others it feeds go.
  if (pipeline.steps) return pipeline.inputs.map(raw);
  const inputs: TensorSpec[] = [];
  for (const spec of model.inputs) {
    const input = pipeline.inputs.find((i) => fedBy(i).includes(spec.name));
    if (!input) inputs.push(spec);
    else if (!inputs.some((s) => s.name === input.name)) inputs.push(raw(input));
  }
  return inputs;
}

/** What one run answers (one example, for a chain): the declared outputs, each followed by those its steps add (top_k's scores...). */
function runOutputs(model: Signature, pipeline: Pipeline): TensorSpec[] {
  if (pipeline.outputs.length === 0) return model.outputs;
  const outputs: TensorSpec[] = [];
  for (const entry of pipeline.outputs) {
    const from = pipeline.tensors.get(entry.from) ?? outputs.find((o) => o.name === entry.from)!;
    let spec: TensorSpec = { name: entry.name, dtype: from.dtype, dims: from.dims };
    const added: TensorSpec[] = [];
    for (const step of entry.steps) {
      const batch = spec.dims ? spec.dims.slice(0, -1) : null;
      if (step.op === 'softmax' || step.op === 'sigmoid') spec = { ...spec, dtype: 'float32' };
      if (step.op === 'argmax') spec = { name: entry.name, dtype: 'string', dims: batch };
      if (step.op === 'threshold') spec = { ...spec, dtype: 'bool' };
      if (step.op === 'join') spec = { name: entry.name, dtype: 'string', dims: batch };
      if (step.op === 'ctc_greedy') {
        spec = { name: entry.name, dtype: 'string', dims: spec.dims && spec.dims.slice(0, 1) };
        added.push({ name: step.scores, dtype: 'float32', dims: spec.dims });
      }
      if (step.op === 'nms') {
        const k = step.maxDetections;
        spec = { name: entry.name, dtype: 'string', dims: [-1, k] };
        added.push({ name: step.names.boxes, dtype: 'float32', dims: [-1, k, 4] }, { name: step.names.scores, dtype: 'float32', dims: [-1, k] }, { name: step.names.count, dtype: 'int32', dims: [-1] });
      }
      if (step.op === 'top_k') {
        spec = { name: entry.name, dtype: 'string', dims: batch && [...batch, step.k] };
        added.push({ name: step.scores, dtype: 'float32', dims: spec.dims });
      }
    }
    outputs.push(spec, ...added);
  }
  return outputs;
}

async function imageTensor(value: Tensor | undefined, image: ImageInput, codecs: ImageCodecs): Promise<Tensor> {
  if (!value || value.dtype !== 'string') throw invalidArgument(`input ${image.name}: expects encoded images (strings of bytes)`);
  const examples = value.data as string[];
  if (examples.length === 0) throw invalidArgument(`input ${image.name}: no images`);
  const rows: Pixels[] = [];
  for (let i = 0; i < examples.length; i++) {
    const where = examples.length === 1 ? `input ${image.name}` : `input ${image.name}, example ${i}`;
    let pixels = await decodeImage(bytesOf(examples[i]), { maxPixels: image.maxPixels, orient: image.exifOrientation, where }, codecs);
    for (const step of image.steps) {
      try {
        pixels = applyImageStep(step, pixels);
      } catch (err) {
        throw invalidArgument(`${where}: ${(err as Error).message}`);
      }
    }
    rows.push(pixels);
  }
  const { width: w, height: h } = rows[0];
  if (rows.some((p) => p.width !== w || p.height !== h)) throw invalidArgument(`input ${image.name}: the images differ in size after the steps; send one per request`);
  const row = 3 * h * w;
  const data = image.tensor.dtype === 'uint8' ? new Uint8Array(rows.length * row) : new Float32Array(rows.length * row);
  rows.forEach((pixels, i) => writeTensorRow(pixels, image.tensor, data, i * row));
  const dims = image.tensor.layout === 'nchw' ? [rows.length, 3, h, w] : [rows.length, h, w, 3];
  return { dtype: image.tensor.dtype, dims, data };
}

function audioTensor(value: Tensor | undefined, audio: AudioInput): Tensor {
  if (!value || value.dtype !== 'string') throw invalidArgument(`input ${audio.name}: expects WAV files (strings of bytes)`);
  const examples = value.data as string[];
  if (examples.length === 0) throw invalidArgument(`input ${audio.name}: no clips`);
  const clips = examples.map((bytes, i) => {
    const where = examples.length === 1 ? `input ${audio.name}` : `input ${audio.name}, example ${i}`;
    return decodeWav(bytesOf(bytes), { rate: audio.rate, maxSeconds: audio.maxSeconds, where });
  });
  const pad = Math.round(audio.padSeconds * audio.rate);
  const length = clips[0].length + 2 * pad;
  if (clips.some((c) => c.length + 2 * pad !== length)) throw invalidArgument(`input ${audio.name}: the clips differ in length (${clips.map((c) => c.length).join(', ')} samples); send one per request`);
  const data = new Float32Array(clips.length * length);
  clips.forEach((clip, i) => {
    for (let j = 0; j < clip.length; j++) data[i * length + pad + j] = clip[j] * audio.multiply;
  });
  return { dtype: 'float32', dims: [clips.length, length], data };
}

function answers(outputs: Record<string, Tensor>, pipeline: Pipeline, labels: string[] | null): Record<string, Tensor> {
  if (pipeline.outputs.length === 0) return outputs;
  const all: Record<string, Tensor> = { ...outputs };
  const out: Record<string, Tensor> = {};
  for (const entry of pipeline.outputs) {
    let value = all[entry.from];
    entry.steps.forEach((step, i) => {
      const result = runOutputStep(step, value, labels, `output ${entry.name}, step ${i} (${step.op})`, all);
      value = result.value;
      for (const extra of result.extra ?? []) out[extra.name] = all[extra.name] = extra.tensor;
    });
    out[entry.name] = all[entry.name] = value;
  }
  return out;
}
