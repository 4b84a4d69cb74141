import { internal, invalidArgument, quoted, ServingError } from '../../errors.ts';
import type { TensorBudget } from '../budget.ts';
import { fillTensor, inferShape, matchesShape, sameDims, shapeText } from './fill.ts';
import { isBase64Object, leafWriter, type LeafWriter } from './leaf.ts';
import { renderJson } from './text.ts';
import type { JsonObject, JsonValue } from './value.ts';
import { allocate, elementCount, type Tensor, type TensorSpec } from '../tensor.ts';

/**
 * TF Serving's row format (docs/tf-serving-compat.md 5.2): a non-empty list of instances becomes one tensor per
 * input with shape [instances.length] + the shape of one row. Fast path: check every row's
 * structure (no leaf conversion, no allocation), then allocate each tensor once and convert the
 * leaves straight into it. If any row is malformed, the exact TF algorithm is replayed without
 * writing, so the error reported is the one TF reports first, worded as TF words it.
 */
export function decodeRows(instances: JsonValue[], specs: readonly TensorSpec[], budget: TensorBudget): Record<string, Tensor> {
  if (!(instances[0] instanceof Map) && specs.length > 1) {
    throw invalidArgument(
      'instances is a plain list, but expecting list of objects as multiple input tensors required as per tensorinfo_map',
    );
  }
  // A {"b64": ...} object is a value, not a row object; TF then feeds the (first) input.
  const named = isRowObject(instances[0]);
  const rowDims = consistentRowDims(instances, specs, named);
  if (rowDims === null) {
    replayRows(instances, specs, named);
    throw internal('Malformed instances passed validation');
  }
  const batch = instances.length;
  const tensors: Record<string, Tensor> = Object.create(null);
  const leaves = new Map<string, LeafWriter>();
  // Only inputs the rows feed: plain rows feed the first input alone, even when there are more.
  for (const [name, dims] of rowDims) {
    const { dtype, bytes } = specs.find((s) => s.name === name) as TensorSpec;
    budget.charge(name, dtype, [batch, ...dims]);
    tensors[name] = { dtype, dims: [batch, ...dims], data: allocate(dtype, batch * elementCount(dims)) };
    leaves.set(name, leafWriter(dtype, bytes));
  }
  const fillRow = (i: number, name: string, v: JsonValue) => {
    const dims = rowDims.get(name) as number[];
    fillTensor(v, 0, dims, leaves.get(name) as LeafWriter, tensors[name].data, i * elementCount(dims));
  };
  instances.forEach((elem, i) => {
    if (named) {
      for (const [k, v] of elem as JsonObject) wrapErrors(i, k, () => fillRow(i, k, v));
    } else {
      wrapErrors(i, undefined, () => fillRow(i, specs[0].name, elem));
    }
  });
  return tensors;
}

function isRowObject(v: JsonValue): v is JsonObject {
  return v instanceof Map && !isBase64Object(v);
}

/** Row shape per input if every instance is well formed and all rows agree; else null. */
function consistentRowDims(
  instances: JsonValue[],
  specs: readonly TensorSpec[],
  named: boolean,
): Map<string, number[]> | null {
  const dims = new Map<string, number[]>();
  const known = new Set(specs.map((s) => s.name));
  const agrees = (name: string, v: JsonValue): boolean => {
    const shape = inferShape(v);
    const first = dims.get(name);
    if (first === undefined) dims.set(name, shape);
    else if (!sameDims(first, shape)) return false;
    return matchesShape(v, 0, shape);
  };
  for (const elem of instances) {
    if (named) {
      if (!isRowObject(elem) || elem.size !== known.size) return null;
      for (const [k, v] of elem) if (!known.has(k) || !agrees(k, v)) return null;
    } else if (isRowObject(elem) || !agrees(specs[0].name, elem)) return null;
  }
  return dims;
}

/** TF's FillTensorMapFromInstancesList, validating only; throws TF's first error. */
function replayRows(instances: JsonValue[], specs: readonly TensorSpec[], named: boolean): void {
  const dtypes = new Map(specs.map((s) => [s.name, s.dtype]));
  const seen = new Map<string, { size: number; dims: number[] }>();
  const addItem = (name: string, v: JsonValue) => {
    const dtype = dtypes.get(name);
    if (dtype === undefined) throw invalidArgument(`JSON object: does not have named input: ${quoted(name)}`);
    const dims = inferShape(v);
    const size = fillTensor(v, 0, dims, leafWriter(dtype), null, 0);
    const first = seen.get(name);
    if (first === undefined) seen.set(name, { size, dims });
    else if (first.size !== size) throw invalidArgument(`Expecting tensor size: ${first.size} but got: ${size}`);
    else if (!sameDims(first.dims, dims)) {
      throw invalidArgument(`Expecting shape ${shapeText(first.dims)} but got: ${shapeText(dims)}`);
    }
  };
  instances.forEach((elem, i) => {
    if (!named) {
      if (isRowObject(elem)) throw invalidArgument(`Expecting value/list but got object at item ${i} of input list`);
      wrapErrors(i, undefined, () => addItem(specs[0].name, elem));
      return;
    }
    if (!isRowObject(elem)) throw invalidArgument(`Expecting object but got list at item ${i} of input list`);
    for (const [k, v] of elem) wrapErrors(i, k, () => addItem(k, v));
    // Unknown keys failed above, so a size difference means a missing input.
    if (elem.size !== dtypes.size) {
      const expected = [...dtypes.keys()].sort().join(',');
      throw invalidArgument(
        `Failed to process element: ${i} of 'instances' list. JSON object: ${renderJson(elem)} keys must be equal to: ${expected}`,
      );
    }
  });
}

/** TF wraps per-row errors: `Failed to process element: <i>[ key: <k>] of 'instances' list. Error: <CODE>: <msg>`. */
function wrapErrors(i: number, key: string | undefined, run: () => void): void {
  try {
    run();
  } catch (e) {
    if (!(e instanceof ServingError)) throw e;
    const where = key === undefined ? `${i}` : `${i} key: ${quoted(key)}`;
    throw invalidArgument(`Failed to process element: ${where} of 'instances' list. Error: ${e.code}: ${e.message}`);
  }
}
