import { internal, invalidArgument } from '../../errors.ts';
import { tfDtypeName, tfTypeString } from '../dtypes.ts';
import { formatFloat32, halfToFloat } from '../json/float-format.ts';
import { shapeText } from '../json/fill.ts';
import { quoteJson } from '../json/text.ts';
import type { DType, Signature, Tensor, TensorSpec } from '../tensor.ts';

/**
 * Classify and regress results (docs/tf-serving-compat.md 6.3) from an ONNX model's outputs: structured
 * (classifyResults, regressResults; the gRPC API uses these) and as REST JSON text (encode*).
 * TF Serving needs outputs keyed `classes`/`scores` (classify) or `outputs` (regress); ONNX models
 * name outputs freely, so the rules below also accept the obvious single-output cases. Scores and
 * values are float32 (9.2), whatever float width the model uses.
 */

/** One class of one example: TF Serving's tensorflow.serving.Class. */
export interface ClassScore {
  label: string;
  score: number;
}

/** `{"results": [[[label, score], ...] per example]}`, from classifyResults (below). */
export function encodeClassifyResponse(classifications: ClassScore[][]): string {
  const rows = classifications.map((classes) => `[${classes.map((c) => `[${quoteJson(c.label)},${formatFloat32(c.score)}]`).join(',')}]`);
  return `{"results":[${rows.join(',')}]}`;
}

/**
 * The classes of each example, in order (the JSON and gRPC Classify responses both use this).
 * Scores: the output named `scores`, else the model's only float output; shape [batch, n].
 * Labels: the string output named `classes` ([batch, n]) if any, else `labels[c]` for column c
 * (the model's labels, one per score column), else "" (as TF Serving). A model with `classes`
 * and no float output gets score 0, as in TF Serving. Anything that does not fit (no usable
 * output, several float outputs none named `scores`, wrong dtype or shape, labels of the wrong
 * count) is INVALID_ARGUMENT.
 */
export function classifyResults(outputs: Record<string, Tensor>, signature: Signature, labels: string[] | null): ClassScore[][] {
  const { scoresSpec, classesSpec } = classifyOutputs(signature);
  const scores = scoresSpec && matrix(outputs, scoresSpec.name);
  const classes = classesSpec && matrix(outputs, classesSpec.name);
  if (scores && classes) {
    if (classes.dims[0] !== scores.dims[0]) {
      throw invalidArgument(`Expected classes output batch size of ${scores.dims[0]}.  Got: ${classes.dims[0]}`);
    }
    if (classes.dims[1] !== scores.dims[1]) {
      throw invalidArgument(`Tensors class and score should match in dim_size(1). Got ${classes.dims[1]} vs. ${scores.dims[1]}`);
    }
  }
  const [batch, n] = (scores ?? classes)!.dims;
  if (!classes && labels !== null && labels.length !== n) {
    throw invalidArgument(`The model has ${labels.length} labels but its output ${scoresSpec!.name} has ${n} scores per example`);
  }
  const score = scores ? floatReader(scores) : () => 0;
  const label = classes ? (i: number) => (classes.data as string[])[i] : (i: number) => (labels ? labels[i % n] : '');
  const rows: ClassScore[][] = [];
  for (let b = 0; b < batch; b++) {
    const row: ClassScore[] = [];
    for (let c = 0, i = b * n; c < n; c++, i++) row.push({ label: label(i), score: Math.fround(score(i)) });
    rows.push(row);
  }
  return rows;
}

/** `{"results": [v, ...]}`, from regressResults (below). */
export function encodeRegressResponse(regressions: number[]): string {
  return `{"results":[${regressions.map(formatFloat32).join(',')}]}`;
}

/**
 * One float32 value per example, from the output named `outputs`, else the model's only output;
 * it must be float, of shape [batch] or [batch, 1]. Otherwise INVALID_ARGUMENT.
 */
export function regressResults(outputs: Record<string, Tensor>, signature: Signature): number[] {
  const all = signature.outputs;
  const spec = all.find((o) => o.name === 'outputs') ?? (all.length === 1 ? all[0] : undefined);
  if (spec === undefined) {
    throw invalidArgument(`Expected one output Tensor, or one named 'outputs'; the model has: ${describe(all)}`);
  }
  if (!isFloat(spec.dtype)) throw invalidArgument(`Expected output Tensor of DT_FLOAT.  Got: ${tfDtypeName(spec.dtype)}`);
  const t = tensorNamed(outputs, spec.name);
  if (!(t.dims.length === 1 || (t.dims.length === 2 && t.dims[1] === 1))) {
    throw invalidArgument(`Expected output Tensor shape to be either [batch_size] or [batch_size, 1] but got ${shapeText(t.dims)}`);
  }
  const value = floatReader(t);
  const values: number[] = [];
  for (let i = 0; i < t.dims[0]; i++) values.push(Math.fround(value(i)));
  return values;
}

function classifyOutputs(signature: Signature): { scoresSpec?: TensorSpec; classesSpec?: TensorSpec } {
  const all = signature.outputs;
  const classesSpec = all.find((o) => o.name === 'classes');
  if (classesSpec && classesSpec.dtype !== 'string') {
    throw invalidArgument(`Expected classes Tensor of DT_STRING.  Got: ${tfDtypeName(classesSpec.dtype)}`);
  }
  let scoresSpec = all.find((o) => o.name === 'scores');
  if (scoresSpec && !isFloat(scoresSpec.dtype)) {
    throw invalidArgument(`Expected scores Tensor of DT_FLOAT.  Got: ${tfDtypeName(scoresSpec.dtype)}`);
  }
  const floats = all.filter((o) => isFloat(o.dtype));
  if (!scoresSpec && floats.length > 1) {
    throw invalidArgument(`The model has several float outputs and none is named 'scores': ${describe(all)}`);
  }
  scoresSpec ??= floats[0];
  if (!scoresSpec && !classesSpec) {
    throw invalidArgument(
      `No classification outputs found: expected a float output of shape [batch, n] (named 'scores' if there are several) or a string output named 'classes'; the model has: ${describe(all)}`,
    );
  }
  return { scoresSpec, classesSpec };
}

function matrix(outputs: Record<string, Tensor>, name: string): Tensor {
  const t = tensorNamed(outputs, name);
  if (t.dims.length !== 2) {
    throw invalidArgument(`Expected Tensor shape: [batch_size num_classes] but got ${shapeText(t.dims)}`);
  }
  return t;
}

function tensorNamed(outputs: Record<string, Tensor>, name: string): Tensor {
  const t = outputs[name];
  if (t === undefined) throw internal(`The model returned no output named ${name}`);
  return t;
}

function floatReader(t: Tensor): (i: number) => number {
  const data = t.data as Float32Array | Float64Array | Uint16Array;
  return t.dtype === 'float16' ? (i) => halfToFloat(data[i]) : (i) => data[i];
}

const isFloat = (dtype: DType) => dtype === 'float32' || dtype === 'float64' || dtype === 'float16';

const describe = (specs: readonly TensorSpec[]) =>
  specs.length === 0 ? 'no outputs' : specs.map((o) => `${o.name} (${tfTypeString(o.dtype)})`).join(', ');
