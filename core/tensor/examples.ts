import { invalidArgument } from '../errors.ts';
import { docError, readSignatureName, requestObject } from './json-body.ts';
import { decodeBase64Object, INT_RANGES, isBase64Object } from './json-leaf.ts';
import { jsonTypeName } from './json-text.ts';
import { JsonDouble, type JsonValue } from './json-value.ts';

/**
 * One tf.Example feature as TF Serving builds it from JSON (tfs-api.md 6.1). Bytes are JS strings
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
  void method;
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
    throw invalidArgument(`Feature: ${name} has element with unexpected JSON type: ${jsonTypeName(v)}`);
  }
  if (f.kind !== 'none' && f.kind !== kind) {
    throw invalidArgument(`Unexpected element type in feature: ${name} expecting type: ${f.kind}`);
  }
  f.kind = kind;
  if (kind === 'bytes') f.values.push(typeof v === 'string' ? v : decodeBase64Object(v as Map<string, JsonValue>));
  else if (kind === 'float') f.values.push(Math.fround(v instanceof JsonDouble ? v.value : Number(v)));
  else if (typeof v === 'boolean') f.values.push(v ? 1n : 0n);
  else {
    const b = BigInt(v as number | bigint);
    if (b > INT64_MAX) throw invalidArgument(`Feature: ${name} has uint64_t element. Only int64_t is supported.`);
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
