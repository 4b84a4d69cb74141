import { internal, invalidArgument } from '../../errors.ts';
import { leafWriter, type LeafWriter } from './leaf.ts';
import { renderJson } from './text.ts';
import type { JsonValue } from './value.ts';
import { allocate, elementCount, type DType, type Tensor, type TensorData } from '../tensor.ts';

/**
 * Dense tensors from nested JSON lists, with TF Serving's shape rules (docs/tf-serving-compat.md 5.4): the shape
 * follows the first element at each level, then the whole value is checked against it in
 * depth-first order, so the first error TF would report is the one reported.
 */

/** The shape read along first elements: `[]` -> [0], `[[],[]]` -> [2,0], a scalar -> []. */
export function inferShape(v: JsonValue): number[] {
  const dims: number[] = [];
  while (Array.isArray(v)) {
    dims.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  return dims;
}

/**
 * True when fillTensor would meet no structural error (every list has its dim's length, every
 * leaf sits at depth = rank). Leaves are not converted. Used before allocating, so that a small
 * body whose first elements claim a huge shape cannot make us allocate it.
 */
export function matchesShape(v: JsonValue, level: number, dims: readonly number[]): boolean {
  if (level === dims.length) return !Array.isArray(v);
  if (!Array.isArray(v) || v.length !== dims[level]) return false;
  if (level === dims.length - 1) {
    for (let k = 0; k < v.length; k++) if (Array.isArray(v[k])) return false;
    return true;
  }
  for (let k = 0; k < v.length; k++) if (!matchesShape(v[k], level + 1, dims)) return false;
  return true;
}

/**
 * TF's FillTensorProto: walks `v` (at depth `level`) against `dims`, converting each leaf with
 * `leaf` into out[offset...] (out null: validate only). Returns the offset after the last leaf.
 * Throws INVALID_ARGUMENT with TF's structural messages or the leaf's message.
 */
export function fillTensor(
  v: JsonValue,
  level: number,
  dims: readonly number[],
  leaf: LeafWriter,
  out: TensorData | null,
  offset: number,
): number {
  const rank = dims.length;
  if (!Array.isArray(v)) {
    if (level !== rank) {
      throw invalidArgument(
        `JSON Value: ${renderJson(v)} found at incorrect level: ${level + 1} in the JSON DOM. Expected at level: ${rank}`,
      );
    }
    leaf(v, out, offset);
    return offset + 1;
  }
  if (level >= rank) throw listLevelError(level, rank);
  if (v.length !== dims[level]) {
    throw invalidArgument(
      `Encountered list at unexpected size: ${v.length} at level: ${level} expected size: ${dims[level]}`,
    );
  }
  if (level === rank - 1) {
    // Innermost lists hold the bulk of the data: convert without recursing.
    for (let k = 0; k < v.length; k++) {
      const e = v[k];
      if (Array.isArray(e)) throw listLevelError(rank, rank);
      leaf(e, out, offset++);
    }
    return offset;
  }
  for (let k = 0; k < v.length; k++) offset = fillTensor(v[k], level + 1, dims, leaf, out, offset);
  return offset;
}

function listLevelError(level: number, rank: number) {
  return invalidArgument(`Encountered list at unexpected level: ${level} expected < ${rank}`);
}

/** One JSON value (columnar `inputs`, any rank) as a tensor of `dtype`; `charge` sees the shape before allocation. */
export function jsonToTensor(v: JsonValue, dtype: DType, charge: (dims: number[]) => void = () => {}, bytes = false): Tensor {
  const dims = inferShape(v);
  const leaf = leafWriter(dtype, bytes);
  if (!matchesShape(v, 0, dims)) throwFirstError(v, dims, leaf);
  charge(dims);
  const data = allocate(dtype, elementCount(dims));
  fillTensor(v, 0, dims, leaf, data, 0);
  return { dtype, dims, data };
}

/** For a value known to break its shape: throws the error TF reports first. */
function throwFirstError(v: JsonValue, dims: readonly number[], leaf: LeafWriter): never {
  fillTensor(v, 0, dims, leaf, null, 0);
  throw internal('A malformed tensor value passed validation');
}

/** TF's ShapeToString: "[2,3]". */
export function shapeText(dims: readonly number[]): string {
  return `[${dims.join(',')}]`;
}

export function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
