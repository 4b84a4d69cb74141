import type { Session } from '../backend/backend.ts';
import { invalidArgument } from '../errors.ts';
import { bytesOf, type Signature, type Tensor, type TensorSpec } from '../tensor/tensor.ts';
import { fedBy, type ImageInput, type Pipeline } from './declaration.ts';
import { textTensors } from './text.ts';
import { decodeImage, type ImageCodecs } from './image.ts';
import { applyImageStep, writeTensorRow } from './image-steps.ts';
import { runOutputStep } from './post.ts';

/**
 * A model version with its pipeline, as one Session: what the manager loads, warms up, leases and
 * runs like any other, so every API, transport and the batcher's RunFn see the pipeline's
 * signature and answers.
 *
 * - signature: the model's inputs with each pipeline input in place of the tensors it feeds (one
 *   string per example: encoded bytes for an image, `bytes`; text for a text input), and the
 *   declared outputs in place of the model's.
 * - run(): decodes and prepares each example's image (core/pipeline/image*.ts) or tokenizes its
 *   text (text.ts), stacks them into the model inputs (one run per example when the model's batch
 *   is fixed at 1), runs the model, then the output steps; inputs that no step feeds pass through.
 * Failures on the caller's bytes are INVALID_ARGUMENT naming the input and the example.
 */
export function pipelineSession(model: Session, pipeline: Pipeline, labels: string[] | null, codecs: ImageCodecs): Session {
  const signature = outerSignature(model.signature, pipeline);
  return {
    signature,
    async run(inputs) {
      const fed: Record<string, Tensor> = {};
      for (const input of pipeline.inputs) {
        if (input.kind === 'text') Object.assign(fed, textTensors(inputs[input.name], input));
        else fed[input.feeds] = await imageTensor(inputs[input.name], input, codecs);
      }
      for (const spec of model.signature.inputs) if (!(spec.name in fed)) fed[spec.name] = inputs[spec.name];
      const outputs = await runModel(model, fed);
      return answers(outputs, pipeline, labels);
    },
    release: () => model.release(),
  };
}

function outerSignature(model: Signature, pipeline: Pipeline): Signature {
  // Each pipeline input stands where the first model input it feeds stood; the others it feeds go.
  const inputs: TensorSpec[] = [];
  for (const spec of model.inputs) {
    const input = pipeline.inputs.find((i) => fedBy(i).includes(spec.name));
    if (!input) inputs.push(spec);
    else if (!inputs.some((s) => s.name === input.name)) inputs.push({ name: input.name, dtype: 'string', dims: [-1], ...(input.kind === 'image' && { bytes: true }) });
  }
  // Examples run one at a time through a model whose batch is fixed at 1: any batch is taken.
  const anyBatch = (spec: TensorSpec): TensorSpec => (pipeline.inputs.length > 0 && spec.dims?.[0] === 1 ? { ...spec, dims: [-1, ...spec.dims.slice(1)] } : spec);
  if (pipeline.outputs.length === 0) return { inputs, outputs: model.outputs.map(anyBatch) };
  // Each entry's outputs in declaration order: its own, then those its steps add (top_k's scores...).
  const outputs: TensorSpec[] = [];
  for (const entry of pipeline.outputs) {
    const from = model.outputs.find((o) => o.name === entry.from) ?? outputs.find((o) => o.name === entry.from)!;
    let spec: TensorSpec = anyBatch({ name: entry.name, dtype: from.dtype, dims: from.dims });
    const added: TensorSpec[] = [];
    for (const step of entry.steps) {
      const batch = spec.dims ? spec.dims.slice(0, -1) : null;
      if (step.op === 'softmax' || step.op === 'sigmoid') spec = { ...spec, dtype: 'float32' };
      if (step.op === 'argmax') spec = { name: entry.name, dtype: 'string', dims: batch };
      if (step.op === 'threshold') spec = { ...spec, dtype: 'bool' };
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
  return { inputs, outputs };
}

async function imageTensor(value: Tensor | undefined, image: ImageInput, codecs: ImageCodecs): Promise<Tensor> {
  if (!value || value.dtype !== 'string') throw invalidArgument(`input ${image.name}: expects encoded images (strings of bytes)`);
  const examples = value.data as string[];
  if (examples.length === 0) throw invalidArgument(`input ${image.name}: no images`);
  const [h, w] = image.size;
  const row = 3 * h * w;
  const data = image.tensor.dtype === 'uint8' ? new Uint8Array(examples.length * row) : new Float32Array(examples.length * row);
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
    writeTensorRow(pixels, image.tensor, data, i * row);
  }
  const dims = image.tensor.layout === 'nchw' ? [examples.length, 3, h, w] : [examples.length, h, w, 3];
  return { dtype: image.tensor.dtype, dims, data };
}

/** One run, or one per example when the model's batch is fixed at 1 and several came. */
async function runModel(model: Session, inputs: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const fixedOne = model.signature.inputs.some((s) => s.dims?.[0] === 1);
  const batch = Object.values(inputs)[0]?.dims[0] ?? 1;
  if (!fixedOne || batch <= 1) return model.run(inputs);
  const parts: Record<string, Tensor>[] = [];
  for (let i = 0; i < batch; i++) parts.push(await model.run(Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, rowOf(t, i)]))));
  return Object.fromEntries(Object.keys(parts[0]).map((k) => [k, concat(parts.map((p) => p[k]))]));
}

function rowOf(t: Tensor, i: number): Tensor {
  const size = t.dims.slice(1).reduce((a, b) => a * b, 1);
  return { dtype: t.dtype, dims: [1, ...t.dims.slice(1)], data: t.data.slice(i * size, (i + 1) * size) as Tensor['data'] };
}

function concat(parts: Tensor[]): Tensor {
  const [first] = parts;
  const length = parts.reduce((n, p) => n + p.data.length, 0);
  const dims = [parts.reduce((n, p) => n + p.dims[0], 0), ...first.dims.slice(1)];
  if (Array.isArray(first.data)) return { dtype: first.dtype, dims, data: parts.flatMap((p) => p.data as string[]) };
  const data = new (first.data.constructor as new (n: number) => Exclude<Tensor['data'], string[]>)(length);
  let at = 0;
  for (const p of parts) {
    (data as Float32Array).set(p.data as Float32Array, at);
    at += p.data.length;
  }
  return { dtype: first.dtype, dims, data };
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
