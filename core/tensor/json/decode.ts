import { invalidArgument, quoted } from '../../errors.ts';
import { unbounded, type TensorBudget } from '../budget.ts';
import { docError, readSignatureName, requestObject } from './body.ts';
import { jsonToTensor } from './fill.ts';
import { isBase64Object } from './leaf.ts';
import { decodeRows } from './rows.ts';
import type { JsonObject, JsonValue } from './value.ts';
import type { Signature, Tensor, TensorSpec } from '../tensor.ts';

/**
 * A predict body after the checks TF Serving makes before it looks up the model (docs/tf-serving-compat.md 3,
 * steps 2-3). The instances/inputs checks belong to step 5 and are made by decodeInputs, so that
 * e.g. a body without "instances" sent to an unknown model is a 404, as in TF Serving.
 */
export interface PredictBody {
  /** `signature_name`, or "serving_default" when absent. */
  signatureName: string;
  /** 'row' when the body has "instances", else 'columnar'; the response is written the same way. */
  format: 'row' | 'columnar';
  /** The whole document: decodeInputs reads it, and TF quotes it in some messages. */
  doc: JsonObject;
}

/**
 * Reads a parsed predict body. Throws INVALID_ARGUMENT when the top level is not an object
 * (`JSON Value: <v> Is not object`) or `signature_name` is not a string.
 */
export function readPredictBody(body: JsonValue): PredictBody {
  const doc = requestObject(body);
  const signatureName = readSignatureName(doc);
  return { signatureName, format: doc.has('instances') ? 'row' : 'columnar', doc };
}

/**
 * The input tensors of a predict body, decoded against the signature's inputs (names and dtypes;
 * declared shapes are not checked, as in TF Serving: the backend rejects what does not fit).
 * Row format (`instances`) per docs/tf-serving-compat.md 5.2, columnar (`inputs`) per 5.3, leaves per 5.4.
 * Every failure is INVALID_ARGUMENT with TF Serving's wording. The result has one tensor per
 * signature input, keyed by name. Each tensor is charged to `budget` (budget.ts) before it is
 * allocated, as binary predict's are.
 */
export function decodeInputs(body: PredictBody, signature: Signature, budget: TensorBudget = unbounded()): Record<string, Tensor> {
  const { doc } = body;
  if (signature.inputs.length === 0) {
    throw invalidArgument(`Failed to get input map for signature: ${quoted(body.signatureName)}`);
  }
  const instances = doc.get('instances');
  const inputs = doc.get('inputs');
  if (instances !== undefined) {
    if (inputs !== undefined) {
      throw docError(doc, "Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist ");
    }
    if (!Array.isArray(instances)) throw docError(doc, "Expecting 'instances' to be an list/array");
    if (instances.length === 0) throw docError(doc, "No values in 'instances' array");
    return decodeRows(instances, signature.inputs, budget);
  }
  if (inputs !== undefined) return decodeColumns(inputs, signature.inputs, budget);
  throw invalidArgument("Missing 'inputs' or 'instances' key");
}

function decodeColumns(value: JsonValue, specs: readonly TensorSpec[], budget: TensorBudget): Record<string, Tensor> {
  const tensors: Record<string, Tensor> = Object.create(null);
  if (!(value instanceof Map) || isBase64Object(value)) {
    if (specs.length > 1) {
      throw invalidArgument(
        'inputs is a plain value/list, but expecting an object as multiple input tensors required as per tensorinfo_map',
      );
    }
    tensors[specs[0].name] = jsonToTensor(value, specs[0].dtype, (dims) => budget.charge(specs[0].name, specs[0].dtype, dims), specs[0].bytes);
    return tensors;
  }
  // Keys that are not inputs are ignored, as in TF Serving.
  for (const spec of specs) {
    const v = value.get(spec.name);
    if (v === undefined) throw invalidArgument(`Missing named input: ${spec.name} in 'inputs' object.`);
    tensors[spec.name] = jsonToTensor(v, spec.dtype, (dims) => budget.charge(spec.name, spec.dtype, dims), spec.bytes);
  }
  return tensors;
}
