import { invalidArgument, quoted } from '../../errors.ts';
import { floatToHalf } from '../json/float-format.ts';
import { docError, readSignatureName, requestObject } from '../json/body.ts';
import { shapeText } from '../json/fill.ts';
import { tfTypeString } from '../dtypes.ts';
import { decodeBase64Object, INT_RANGES, isBase64Object } from '../json/leaf.ts';
import { jsonTypeName } from '../json/text.ts';
import { JsonDouble, type JsonObject, type JsonValue } from '../json/value.ts';
import { allocate, elementCount, type Signature, type Tensor, type TensorData, type TensorSpec } from '../tensor.ts';

/**
 * One tf.Example feature as TF Serving builds it from JSON (docs/tf-serving-compat.md 6.1). Bytes are JS strings
 * (base64 values decoded as UTF-8, see base64.ts); floats are already rounded to float32; booleans
 * became int64 1/0; `[]` gives kind 'none' (no kind set).
 */
export type Feature =
  | { kind: 'bytes'; values: string[] }
  | { kind: 'float'; values: number[] }
  | { kind: 'int64'; values: bigint[] }
  | { kind: 'none'; values: [] };

/** An example: feature name -> feature. */
export type Features = Map<string, Feature>;

/** A classify/regress body: the examples with `context` merged into each. */
export interface ExamplesBody {
  /** `signature_name`, or "serving_default" when absent. */
  signatureName: string;
  /** One per entry of `examples`, in order; non-empty. */
  examples: Features[];
}

/**
 * Reads a parsed classify or regress body in TF Serving's order: top level, `signature_name`,
 * `context`, then `examples`. Each example gets the context's features, its own winning on a
 * clash (TF concatenates the serialized protos). Errors are INVALID_ARGUMENT in TF's words; the
 * missing-`examples` message says "When method is classify" for regress too, as TF's does, so
 * `method` does not change any wording (it names the caller's API for symmetry with the routes).
 */
export function readExamplesBody(body: JsonValue, method: 'classify' | 'regress'): ExamplesBody {
  const doc = requestObject(body);
  const signatureName = readSignatureName(doc);
  const contextValue = doc.get('context');
  const context = contextValue === undefined ? null : readExample(contextValue);
  const list = doc.get('examples');
  if (list === undefined) {
    throw docError(doc, "When method is classify, key 'examples' is expected and was not found");
  }
  if (!Array.isArray(list)) throw docError(doc, "Expecting 'examples' value to be an list/array");
  if (list.length === 0) throw docError(doc, "'examples' value is an empty array");
  const examples = list.map((v) => {
    const own = readExample(v);
    if (context === null) return own;
    const merged: Features = new Map(context);
    for (const [name, f] of own) merged.set(name, f);
    return merged;
  });
  return { signatureName, examples };
}

function readExample(v: JsonValue): Features {
  if (!(v instanceof Map)) throw invalidArgument(`Example must be JSON object but got JSON ${jsonTypeName(v)}`);
  const features: Features = new Map();
  for (const [name, content] of v) {
    const feature = { kind: 'none', values: [] } as { kind: Feature['kind']; values: unknown[] };
    for (const e of Array.isArray(content) ? content : [content]) addValue(feature, name, e);
    features.set(name, feature as Feature);
  }
  return features;
}

const [INT64_MIN, INT64_MAX] = INT_RANGES.int64!;
const UINT64_MAX = INT_RANGES.uint64![1];

/** TF's AddValueToFeature: the kind is checked before the value is converted. */
function addValue(f: { kind: Feature['kind']; values: unknown[] }, name: string, v: JsonValue): void {
  const kind = valueKind(v);
  if (kind === null) {
    throw invalidArgument(`Feature: ${quoted(name)} has element with unexpected JSON type: ${jsonTypeName(v)}`);
  }
  if (f.kind !== 'none' && f.kind !== kind) {
    throw invalidArgument(`Unexpected element type in feature: ${quoted(name)} expecting type: ${f.kind}`);
  }
  f.kind = kind;
  if (kind === 'bytes') f.values.push(typeof v === 'string' ? v : decodeBase64Object(v as JsonObject));
  else if (kind === 'float') f.values.push(Math.fround(v instanceof JsonDouble ? v.value : Number(v)));
  else if (typeof v === 'boolean') f.values.push(v ? 1n : 0n);
  else {
    const b = BigInt(v as number | bigint);
    if (b > INT64_MAX) throw invalidArgument(`Feature: ${quoted(name)} has uint64_t element. Only int64_t is supported.`);
    f.values.push(b);
  }
}

/** The feature kind a JSON element maps to; null for null, lists and non-base64 objects. */
function valueKind(v: JsonValue): Exclude<Feature['kind'], 'none'> | null {
  if (typeof v === 'string' || isBase64Object(v)) return 'bytes';
  if (typeof v === 'boolean') return 'int64';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float';
  if (typeof v === 'bigint') return v >= INT64_MIN && v <= UINT64_MAX ? 'int64' : 'float'; // rapidjson: a double
  if (v instanceof JsonDouble) return 'float';
  return null;
}

/**
 * Input tensors for an ONNX model from examples. ONNX models take tensors, not serialized
 * tf.Examples, so features map to inputs by name:
 * - every feature name must be an input name, and every input must be a feature of every example;
 * - example i fills row i of its input; the row's shape is the input's non-batch dims when they
 *   are all fixed (the feature must hold exactly that many values), else (a dynamic non-batch dim,
 *   or unknown rank) the row is 1-D with the feature's length, which must be the same in every
 *   example;
 * - values convert to the input's dtype: float inputs take float and int64 features, integer and
 *   bool inputs take int64 features (range-checked; bool takes 0/1), string inputs take bytes.
 * Anything else is INVALID_ARGUMENT naming the feature. Result keyed by input name.
 */
export function examplesToInputs(examples: Features[], signature: Signature): Record<string, Tensor> {
  const names = signature.inputs.map((s) => s.name);
  const known = new Set(names);
  examples.forEach((example, i) => {
    for (const name of example.keys()) {
      if (!known.has(name)) {
        throw invalidArgument(`Feature: ${quoted(name)} of example ${i} is not an input of the model; inputs are: ${names.join(', ')}`);
      }
    }
  });
  const tensors: Record<string, Tensor> = Object.create(null);
  for (const spec of signature.inputs) tensors[spec.name] = inputTensor(spec, examples);
  return tensors;
}

function inputTensor(spec: TensorSpec, examples: Features[]): Tensor {
  const { name, dtype, dims } = spec;
  if (dims !== null && dims.length === 0) {
    throw invalidArgument(`Input ${name} is a scalar (rank 0), so it cannot take one value per example`);
  }
  const features = examples.map((example, i) => {
    const f = example.get(name);
    if (f === undefined) throw invalidArgument(`Example ${i} has no feature: ${name}; every model input must be given`);
    return f;
  });
  const fixed = dims !== null && dims.slice(1).every((d) => d >= 0);
  const rowDims = fixed ? dims.slice(1) : [features[0].values.length];
  const rowSize = elementCount(rowDims);
  const data = allocate(dtype, examples.length * rowSize);
  const convert = valueConverter(spec);
  features.forEach((f, i) => {
    if (f.values.length !== rowSize) {
      throw invalidArgument(
        fixed
          ? `Feature: ${name} has ${f.values.length} values in example ${i}; input ${name} of shape ${shapeText(dims)} takes ${rowSize} per example`
          : `Feature: ${name} has ${f.values.length} values in example ${i} but ${rowSize} in example 0`,
      );
    }
    if (f.kind === 'none') return;
    f.values.forEach((v: string | number | bigint, k: number) => {
      (data as unknown[])[i * rowSize + k] = convert(f.kind, v);
    });
  });
  return { dtype, dims: [examples.length, ...rowDims], data };
}

type Converter = (kind: Feature['kind'], v: string | number | bigint) => TensorData[number];

/** Converts one feature value to the input's data representation, or throws. */
function valueConverter(spec: TensorSpec): Converter {
  const { name, dtype } = spec;
  const floating = dtype === 'float32' || dtype === 'float64' || dtype === 'float16';
  const accepted: Feature['kind'][] = dtype === 'string' ? ['bytes'] : floating ? ['float', 'int64'] : ['int64'];
  const range = dtype === 'bool' ? ([0n, 1n] as const) : INT_RANGES[dtype];
  const big = dtype === 'int64' || dtype === 'uint64';
  return (kind, v) => {
    if (!accepted.includes(kind)) {
      throw invalidArgument(
        `Feature: ${name} has ${kind} values, but input ${name} has type ${tfTypeString(dtype)}, which takes ${accepted.join(' or ')} values`,
      );
    }
    if (dtype === 'string') return v as string;
    if (floating) return dtype === 'float16' ? floatToHalf(Number(v)) : Number(v);
    const b = v as bigint;
    if (b < range![0] || b > range![1]) {
      throw invalidArgument(`Feature: ${name} value ${b} is out of range for input ${name} of type ${tfTypeString(dtype)}`);
    }
    return big ? b : Number(b);
  };
}
