import { failedPrecondition } from '../errors.ts';
import type { DType, Signature, TensorSpec } from '../tensor/tensor.ts';
import type { ImageStep, ToTensor } from './image-steps.ts';
import type { OutputStep } from './post.ts';
import { chainInputs, chainTargets, parseChain, type ChainStep, type ChainTarget, type NamedStep } from './chain.ts';
import { loadTokenizer, type TextInput } from './text.ts';

/**
 * pipeline.json (PIPELINE_FILE, core/repository/version-files.ts): the declared steps of one model version (docs/pipelines.md), read from the version
 * folder and covered by its manifest like every other file, so the steps roll out, pin and roll
 * back with the model. Declarative only: no code comes from the bucket.
 *
 *   {
 *     "inputs": [{ "name": "image", "kind": "image", "feeds": "x",
 *                  "max_pixels": 36000000, "exif_orientation": false,
 *                  "steps": [{ "op": "resize", "shorter_side": 256, "filter": "bilinear" },
 *                            { "op": "center_crop", "width": 224, "height": 224 }],
 *                  "tensor": { "channels": "rgb", "layout": "nchw", "dtype": "float32",
 *                              "divide": 255, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225] } }],
 *     "outputs": [{ "name": "classes", "from": "logits",
 *                   "steps": [{ "op": "softmax" }, { "op": "top_k", "k": 5, "scores": "scores" }] }]
 *   }
 *
 * parsePipeline checks the declaration against the model's signature when the version loads, and
 * any mismatch (an unknown input or output, a tensor layout that does not fit, a step that does not
 * exist) fails the version with a message naming the step; the previous version keeps serving.
 */
export interface ImageInput {
  kind: 'image';
  /** What clients send (encoded image bytes); shown in metadata as a string input. */
  name: string;
  /** The model input it becomes. */
  feeds: string;
  maxPixels: number;
  exifOrientation: boolean;
  steps: ImageStep[];
  tensor: ToTensor;
  /** [H, W] of the tensor the steps make; null when it varies (a model input of any height and width). */
  size: [number, number] | null;
}

export interface OutputEntry {
  name: string;
  from: string;
  steps: OutputStep[];
}

/** Audio (`kind: "audio"`): WAV bytes to mono float32 samples at the model's rate (audio.ts), times `multiply`. */
export interface AudioInput {
  kind: 'audio';
  name: string;
  feeds: string;
  rate: number;
  maxSeconds: number;
  /** openWakeWord takes int16 values as floats: multiply 32768. */
  multiply: number;
  /** Seconds of silence added before and after each clip (openWakeWord's predict_clip pads 1). */
  padSeconds: number;
}

export type PipelineInput = ImageInput | TextInput | AudioInput;

export interface Pipeline {
  inputs: PipelineInput[];
  /** A chain's steps (chain.ts), each example run alone; null: the version's model runs once on the stacked examples. */
  steps: ChainStep[] | null;
  outputs: OutputEntry[];
  /** Every tensor the outputs may read, by name: the model's outputs, or all a chain's inputs and steps make. */
  tensors: Map<string, TensorSpec>;
}

/** What a chain's steps stand on at load: the signatures of the models they name (by step index), and the named steps built in. */
export interface ChainParts {
  models: Map<number, Signature>;
  named: Readonly<Record<string, NamedStep>>;
}

/** Default pixel limit of a decoded image: 36 MP (a 6000 x 6000 photo). */
export const DEFAULT_MAX_PIXELS = 36_000_000;
/** Default length limit of a clip: 10 minutes. */
export const DEFAULT_MAX_SECONDS = 600;

/** The model inputs (or, in a chain, the tensors) a pipeline input fills. */
export function fedBy(input: PipelineInput): string[] {
  if (input.kind !== 'text') return [input.feeds];
  return [input.feeds.ids, input.feeds.attentionMask, input.feeds.tokenTypeIds].filter((s) => s !== undefined).map((s) => s.name);
}

/** The file's JSON and the models its steps name (chain.ts), to resolve before parsePipeline. */
export function pipelineTargets(bytes: Uint8Array, where: string): Map<number, ChainTarget> {
  const fail = failAt(where);
  const top = readFile(bytes, fail);
  return top.steps === undefined ? new Map() : chainTargets(array(top.steps, 'steps', fail), fail);
}

export function parsePipeline(
  bytes: Uint8Array,
  signature: Signature,
  where: string,
  assets: Map<string, Uint8Array> = new Map(),
  chain: ChainParts = { models: new Map(), named: {} },
): Pipeline {
  const fail = failAt(where);
  const top = readFile(bytes, fail);
  const rawSteps = top.steps === undefined ? null : array(top.steps, 'steps', fail);
  if (rawSteps?.length === 0) throw fail('steps', 'must list at least one step');
  // A chain's inputs feed the inputs of the steps' models (the first step to read each tensor says what it must be).
  const fedSignature = rawSteps ? { inputs: chainInputs(rawSteps, signature, chain.models, chain.named, fail), outputs: [] } : signature;
  const inputs = array(top.inputs ?? [], 'inputs', fail).map((v, i): PipelineInput => {
    const what = `inputs[${i}]`;
    const kind = object(v, what, fail).kind;
    if (kind === 'image') return imageInput(v, what, fedSignature, fail);
    if (kind === 'text') return textInput(v, what, fedSignature, assets, fail);
    if (kind === 'audio') return audioInput(v, what, fedSignature, fail);
    throw fail(what, `kind ${JSON.stringify(kind)} is not supported (image, text, audio)`);
  });
  const fed = inputs.flatMap(fedBy);
  const twice = fed.find((name, i) => fed.indexOf(name) !== i);
  if (twice) throw fail('inputs', `model input ${twice} is fed by two entries`);
  const tensors = new Map<string, TensorSpec>();
  let steps: ChainStep[] | null = null;
  if (rawSteps) {
    if (inputs.length === 0) throw fail('inputs', 'a chain declares its inputs');
    for (const name of fed) tensors.set(name, fedSignature.inputs.find((s) => s.name === name)!);
    steps = parseChain(rawSteps, signature, chain.models, chain.named, tensors, fail);
    if (top.outputs === undefined) throw fail('outputs', 'a chain declares its outputs');
  } else {
    for (const spec of signature.outputs) tensors.set(spec.name, spec);
  }
  const known = new Set(tensors.keys());
  const outputs = array(top.outputs ?? [], 'outputs', fail).map((v, i) => {
    const entry = outputEntry(v, `outputs[${i}]`, known, assets, fail);
    known.add(entry.name);
    return entry;
  });
  if (inputs.length === 0 && outputs.length === 0) throw fail('the file', 'declares no inputs and no outputs');
  return { inputs, steps, outputs, tensors };
}

type Fail = (what: string, message: string) => Error;
type Obj = Record<string, unknown>;

const failAt =
  (where: string): Fail =>
  (what, message) =>
    failedPrecondition(`${where}: ${what}: ${message}`);

function readFile(bytes: Uint8Array, fail: Fail): Obj {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw fail('the file', `not JSON (${(err as Error).message})`);
  }
  return object(doc, 'the file', fail);
}

function audioInput(v: unknown, what: string, signature: Signature, fail: Fail): AudioInput {
  const o = object(v, what, fail);
  const name = text(o.name, `${what}.name`, fail);
  const feeds = text(o.feeds, `${what}.feeds`, fail);
  const spec = modelInput(signature, feeds, `${what}.feeds`, fail);
  if (spec.dtype !== 'float32' || (spec.dims !== null && spec.dims.length !== 2)) {
    throw fail(`${what}.feeds`, `model input ${feeds} is ${spec.dtype} [${spec.dims?.join(', ') ?? '?'}]; audio becomes float32 [batch, samples]`);
  }
  if (o.multiply !== undefined && (typeof o.multiply !== 'number' || !Number.isFinite(o.multiply))) throw fail(`${what}.multiply`, 'must be a number');
  return {
    kind: 'audio',
    name,
    feeds,
    rate: positive(o.rate, `${what}.rate`, fail),
    maxSeconds: o.max_seconds === undefined ? DEFAULT_MAX_SECONDS : positive(o.max_seconds, `${what}.max_seconds`, fail),
    multiply: (o.multiply as number | undefined) ?? 1,
    padSeconds: o.pad_seconds === undefined ? 0 : nonNegativeNumber(o.pad_seconds, `${what}.pad_seconds`, fail),
  };
}

function imageInput(v: unknown, what: string, signature: Signature, fail: Fail): ImageInput {
  const o = object(v, what, fail);
  const name = text(o.name, `${what}.name`, fail);
  const feeds = text(o.feeds, `${what}.feeds`, fail);
  const spec = modelInput(signature, feeds, `${what}.feeds`, fail);
  if (name !== feeds && signature.inputs.some((s) => s.name === name)) throw fail(`${what}.name`, `${JSON.stringify(name)} is already a model input`);
  let size: [number, number] | null = null;
  const steps = array(o.steps ?? [], `${what}.steps`, fail).map((s, i): ImageStep => {
    const where = `${what}.steps[${i}]`;
    const step = object(s, where, fail);
    if (step.op === 'resize') {
      const filter = step.filter ?? 'bilinear';
      if (filter !== 'bilinear' && filter !== 'bicubic') throw fail(where, `filter ${JSON.stringify(filter)} is not bilinear or bicubic`);
      if (step.shorter_side !== undefined) {
        size = null;
        return { op: 'resize', shorterSide: positive(step.shorter_side, `${where}.shorter_side`, fail), filter };
      }
      if (step.max_side !== undefined) {
        size = null;
        const multipleOf = step.multiple_of === undefined ? 1 : positive(step.multiple_of, `${where}.multiple_of`, fail);
        return { op: 'resize', maxSide: positive(step.max_side, `${where}.max_side`, fail), multipleOf, filter };
      }
      const width = positive(step.width, `${where}.width`, fail);
      const height = positive(step.height, `${where}.height`, fail);
      size = [height, width];
      return { op: 'resize', width, height, filter };
    }
    if (step.op === 'center_crop') {
      const width = positive(step.width, `${where}.width`, fail);
      const height = positive(step.height, `${where}.height`, fail);
      size = [height, width];
      return { op: 'center_crop', width, height };
    }
    throw fail(where, `op ${JSON.stringify(step.op)} is not an image step (resize, center_crop)`);
  });
  const tensor = toTensor(o.tensor ?? {}, `${what}.tensor`, fail);
  const anySize = spec.dims !== null && spec.dims.length === 4 && (tensor.layout === 'nchw' ? spec.dims.slice(2) : spec.dims.slice(1, 3)).every((d) => d < 0);
  if (!size && !anySize) throw fail(`${what}.steps`, `must end with a fixed size (a resize to width and height, or a center_crop): model input ${spec.name} is [${spec.dims?.join(', ') ?? '?'}]`);
  checkFits(spec, tensor, size ?? [-1, -1], `${what}.tensor`, fail);
  const maxPixels = o.max_pixels === undefined ? DEFAULT_MAX_PIXELS : positive(o.max_pixels, `${what}.max_pixels`, fail);
  const exifOrientation = o.exif_orientation === undefined ? false : bool(o.exif_orientation, `${what}.exif_orientation`, fail);
  return { kind: 'image', name, feeds, maxPixels, exifOrientation, steps, tensor, size };
}

function textInput(v: unknown, what: string, signature: Signature, assets: Map<string, Uint8Array>, fail: Fail): TextInput {
  const o = object(v, what, fail);
  const name = text(o.name, `${what}.name`, fail);
  const feeds = object(o.feeds, `${what}.feeds`, fail);
  const tokenInput = (key: string, required: boolean): TensorSpec | undefined => {
    if (feeds[key] === undefined && !required) return undefined;
    const inputName = text(feeds[key], `${what}.feeds.${key}`, fail);
    const spec = modelInput(signature, inputName, `${what}.feeds.${key}`, fail);
    if (spec.dtype !== 'int64' && spec.dtype !== 'int32') throw fail(`${what}.feeds.${key}`, `model input ${inputName} is ${spec.dtype}; token tensors are int64 or int32`);
    if (spec.dims !== null && spec.dims.length !== 2) throw fail(`${what}.feeds.${key}`, `model input ${inputName} is [${spec.dims.join(', ')}]; token tensors are [batch, tokens]`);
    return spec;
  };
  const ids = tokenInput('ids', true)!;
  const maxLength = positive(o.max_length, `${what}.max_length`, fail);
  const fixed = ids.dims?.[1] ?? -1;
  const padding = o.padding ?? (fixed > 0 ? 'max_length' : 'longest');
  if (padding !== 'longest' && padding !== 'max_length') throw fail(`${what}.padding`, `${JSON.stringify(padding)} is not longest or max_length`);
  if (fixed > 0 && (fixed !== maxLength || padding !== 'max_length')) {
    throw fail(what, `model input ${ids.name} takes exactly ${fixed} tokens: set max_length ${fixed} and padding "max_length"`);
  }
  const json = assets.get('tokenizer.json');
  if (!json) throw fail(what, 'a text input needs tokenizer.json in the version folder');
  let tokenizer: ReturnType<typeof loadTokenizer>;
  try {
    tokenizer = loadTokenizer(json, assets.get('tokenizer_config.json'));
  } catch (err) {
    throw fail(`${what}: tokenizer.json`, `cannot be loaded (${(err as Error).message})`);
  }
  return {
    kind: 'text',
    name,
    maxLength,
    truncation: o.truncation === undefined ? false : bool(o.truncation, `${what}.truncation`, fail),
    padding,
    feeds: { ids, attentionMask: tokenInput('attention_mask', false), tokenTypeIds: tokenInput('token_type_ids', false) },
    ...tokenizer,
  };
}

function toTensor(v: unknown, what: string, fail: Fail): ToTensor {
  const o = object(v, what, fail);
  const pick = <T extends string>(key: string, allowed: T[], fallback: T): T => {
    const value = o[key] ?? fallback;
    if (!allowed.includes(value as T)) throw fail(`${what}.${key}`, `${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
    return value as T;
  };
  const triple = (key: string, fallback: number): number[] => {
    const value = o[key] ?? [fallback, fallback, fallback];
    if (!Array.isArray(value) || value.length !== 3 || !value.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw fail(`${what}.${key}`, 'must be three numbers, one per channel (in the declared channel order)');
    }
    return value as number[];
  };
  const std = triple('std', 1);
  if (std.some((x) => x === 0)) throw fail(`${what}.std`, 'must not be 0');
  return {
    channels: pick('channels', ['rgb', 'bgr'], 'rgb'),
    layout: pick('layout', ['nchw', 'nhwc'], 'nchw'),
    dtype: pick('dtype', ['float32', 'uint8'], 'float32'),
    divide: o.divide === undefined ? 1 : positive(o.divide, `${what}.divide`, fail),
    mean: triple('mean', 0),
    std,
  };
}

/** The model input a declared input feeds; names the inputs the model has when there is none. */
function modelInput(signature: Signature, name: string, where: string, fail: Fail): TensorSpec {
  const spec = signature.inputs.find((s) => s.name === name);
  if (!spec) throw fail(where, `the model has no input ${JSON.stringify(name)} (it has ${signature.inputs.map((s) => s.name).join(', ')})`);
  return spec;
}

function checkFits(spec: TensorSpec, t: ToTensor, [h, w]: [number, number], what: string, fail: Fail): void {
  if (spec.dtype !== (t.dtype as DType)) throw fail(what, `makes ${t.dtype}, but model input ${spec.name} is ${spec.dtype}`);
  if (spec.dims === null) return;
  const want = t.layout === 'nchw' ? [3, h, w] : [h, w, 3];
  const dims = spec.dims.slice(1);
  const fits = spec.dims.length === 4 && dims.every((d, i) => d < 0 || d === want[i]);
  if (!fits) throw fail(what, `makes [batch, ${want.join(', ')}] (${t.layout}), but model input ${spec.name} is [${spec.dims.join(', ')}]`);
}

function outputEntry(v: unknown, what: string, known: Set<string>, assets: Map<string, Uint8Array>, fail: Fail): OutputEntry {
  const o = object(v, what, fail);
  const name = text(o.name, `${what}.name`, fail);
  const from = text(o.from, `${what}.from`, fail);
  if (!known.has(from)) throw fail(`${what}.from`, `no model output or earlier entry is named ${JSON.stringify(from)} (there are ${[...known].join(', ')})`);
  const steps = array(o.steps ?? [], `${what}.steps`, fail).map((s, i): OutputStep => {
    const where = `${what}.steps[${i}]`;
    const step = object(s, where, fail);
    if (step.op === 'softmax' || step.op === 'sigmoid' || step.op === 'argmax') return { op: step.op };
    if (step.op === 'join') {
      if (step.separator !== undefined && typeof step.separator !== 'string') throw fail(`${where}.separator`, 'must be a string');
      return { op: 'join', separator: (step.separator as string | undefined) ?? '\n' };
    }
    if (step.op === 'top_k') return { op: 'top_k', k: positive(step.k, `${where}.k`, fail), scores: step.scores === undefined ? `${name}_scores` : text(step.scores, `${where}.scores`, fail) };
    if (step.op === 'threshold') {
      if (typeof step.value !== 'number' || !Number.isFinite(step.value)) throw fail(`${where}.value`, 'must be a number');
      return { op: 'threshold', value: step.value };
    }
    if (step.op === 'ctc_greedy') {
      const file = step.characters === undefined ? 'characters.txt' : text(step.characters, `${where}.characters`, fail);
      const bytes = assets.get(file);
      if (file !== 'characters.txt' || !bytes) throw fail(where, 'ctc_greedy reads characters.txt from the version folder (one character per line)');
      const characters = new TextDecoder().decode(bytes).split(/\r?\n/);
      if (characters[characters.length - 1] === '') characters.pop();
      if (step.space !== undefined && bool(step.space, `${where}.space`, fail)) characters.push(' ');
      const blank = step.blank === undefined ? 0 : nonNegative(step.blank, `${where}.blank`, fail);
      return { op: 'ctc_greedy', blank, characters, scores: step.scores === undefined ? `${name}_score` : text(step.scores, `${where}.scores`, fail) };
    }
    if (step.op === 'nms') {
      const boxes = text(step.boxes, `${where}.boxes`, fail);
      if (!known.has(boxes)) throw fail(`${where}.boxes`, `no model output or earlier entry is named ${JSON.stringify(boxes)}`);
      const fraction = (key: string, fallback: number) => {
        const value = step[key] ?? fallback;
        if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw fail(`${where}.${key}`, 'must be a number from 0 to 1');
        return value;
      };
      return {
        op: 'nms',
        boxes,
        iou: fraction('iou', 0.5),
        scoreThreshold: fraction('score_threshold', 0),
        maxDetections: step.max_detections === undefined ? 100 : positive(step.max_detections, `${where}.max_detections`, fail),
        names: { boxes: `${name}_boxes`, scores: `${name}_scores`, count: `${name}_count` },
      };
    }
    throw fail(where, `op ${JSON.stringify(step.op)} is not an output step (softmax, sigmoid, top_k, argmax, threshold, join, ctc_greedy, nms)`);
  });
  return { name, from, steps };
}

function object(v: unknown, what: string, fail: Fail): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fail(what, 'must be an object');
  return v as Obj;
}
function array(v: unknown, what: string, fail: Fail): unknown[] {
  if (!Array.isArray(v)) throw fail(what, 'must be a list');
  return v;
}
function text(v: unknown, what: string, fail: Fail): string {
  if (typeof v !== 'string' || v === '') throw fail(what, 'must be a non-empty string');
  return v;
}
function positive(v: unknown, what: string, fail: Fail): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw fail(what, 'must be a positive integer');
  return v;
}
function nonNegative(v: unknown, what: string, fail: Fail): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw fail(what, 'must be a whole number, 0 or more');
  return v;
}
function nonNegativeNumber(v: unknown, what: string, fail: Fail): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw fail(what, 'must be a number, 0 or more');
  return v;
}
function bool(v: unknown, what: string, fail: Fail): boolean {
  if (typeof v !== 'boolean') throw fail(what, 'must be true or false');
  return v;
}
