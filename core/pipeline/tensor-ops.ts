import { invalidArgument } from '../errors.ts';
import { allocate, elementCount, type Tensor, type TensorSpec } from '../tensor/tensor.ts';

/**
 * Tensor steps between the models of a chain (pipeline.json "steps", chain.ts): the glue real
 * chains need between one model's output and the next one's input, declared, never code.
 * - affine: `x * multiply + add`, as float32 (openWakeWord's mel scaling: x / 10 + 2).
 * - frames: windows of `size` along `axis`, every `step`, stacked on a new first axis; the
 *   axis becomes `size` long (openWakeWord's 76-frame embedding windows, stride 8).
 * - slice: `start` to `end` along `axis` (negative counts from the end, as in Python); a
 *   tensor too short to give `length` (when declared) is the caller's error.
 * - reshape: the same elements under new dims, one of them -1 at most (computed).
 * - max: the largest value along `axis`, which becomes 1 long (a detector's best window).
 * Each runs on one example's tensors. spec() says, at load, what the step makes from its input's
 * spec (dims -1 where unknown, null for an unknown rank); apply() runs it, and a tensor the step
 * cannot take (too short, wrong element count) throws INVALID_ARGUMENT naming the step.
 */
export type TensorOp =
  | { op: 'affine'; multiply: number; add: number }
  | { op: 'frames'; axis: number; size: number; step: number }
  | { op: 'slice'; axis: number; start: number; end: number | null; length: number | null }
  | { op: 'reshape'; dims: number[] }
  | { op: 'max'; axis: number };

export const TENSOR_OPS = ['affine', 'frames', 'slice', 'reshape', 'max'];

type Fail = (what: string, message: string) => Error;
type Obj = Record<string, unknown>;

export function parseTensorOp(step: Obj, where: string, fail: Fail): TensorOp {
  const int = (key: string, fallback?: number, min = -Infinity): number => {
    const v = step[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw fail(`${where}.${key}`, min > 0 ? 'must be a positive integer' : 'must be an integer');
    return v;
  };
  const num = (key: string, fallback: number): number => {
    const v = step[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw fail(`${where}.${key}`, 'must be a number');
    return v;
  };
  if (step.op === 'affine') return { op: 'affine', multiply: num('multiply', 1), add: num('add', 0) };
  if (step.op === 'frames') return { op: 'frames', axis: int('axis', undefined, 0), size: int('size', undefined, 1), step: int('step', 1, 1) };
  if (step.op === 'slice') {
    return {
      op: 'slice',
      axis: int('axis', undefined, 0),
      start: int('start', 0),
      end: step.end === undefined ? null : int('end'),
      length: step.length === undefined ? null : int('length', undefined, 1),
    };
  }
  if (step.op === 'max') return { op: 'max', axis: int('axis', undefined, 0) };
  if (step.op === 'reshape') {
    const dims = step.dims;
    if (!Array.isArray(dims) || !dims.every((d) => d === -1 || (Number.isInteger(d) && d > 0)) || dims.filter((d) => d === -1).length > 1) {
      throw fail(`${where}.dims`, 'must be a list of positive integers with at most one -1');
    }
    return { op: 'reshape', dims: dims as number[] };
  }
  throw fail(where, `op ${JSON.stringify(step.op)} is not a step (a model step names "model"; tensor steps: ${TENSOR_OPS.join(', ')})`);
}

/** What the op makes from a tensor of `input`'s spec; throws (through fail) when it cannot fit. */
export function tensorOpSpec(op: TensorOp, input: TensorSpec, name: string, where: string, fail: Fail): TensorSpec {
  const dims = input.dims;
  const numeric = input.dtype !== 'string' && input.dtype !== 'bool';
  if (!numeric) throw fail(where, `takes numbers, but ${input.name} is ${input.dtype}`);
  if ((op.op === 'frames' || op.op === 'slice' || op.op === 'max') && dims && op.axis >= dims.length) throw fail(`${where}.axis`, `${input.name} has ${dims.length} axes`);
  if (op.op === 'affine') return { name, dtype: 'float32', dims };
  if (op.op === 'frames') return { name, dtype: input.dtype, dims: dims && [-1, ...dims.map((d, i) => (i === op.axis ? op.size : d))] };
  if (op.op === 'slice') return { name, dtype: input.dtype, dims: dims && dims.map((d, i) => (i === op.axis ? (op.length ?? -1) : d)) };
  if (op.op === 'max') return { name, dtype: input.dtype, dims: dims && dims.map((d, i) => (i === op.axis ? 1 : d)) };
  if (dims && dims.every((d) => d > 0) && op.dims.every((d) => d > 0) && elementCount(dims) !== elementCount(op.dims)) {
    throw fail(`${where}.dims`, `[${op.dims.join(', ')}] does not hold the ${elementCount(dims)} elements of ${input.name} [${dims.join(', ')}]`);
  }
  return { name, dtype: input.dtype, dims: op.dims };
}

export function applyTensorOp(op: TensorOp, t: Tensor, where: string): Tensor {
  if (op.op === 'affine') return { dtype: 'float32', dims: t.dims, data: Float32Array.from(t.data as Float32Array, (v) => Number(v) * op.multiply + op.add) };
  if (op.op === 'reshape') return { dtype: t.dtype, dims: reshaped(op.dims, t, where), data: t.data };
  if (op.axis >= t.dims.length) throw invalidArgument(`${where}: the tensor has ${t.dims.length} axes, no axis ${op.axis}`);
  const n = t.dims[op.axis];
  if (op.op === 'max') return maxAlong(t, op.axis, where);
  if (op.op === 'slice') {
    const at = (i: number) => Math.min(n, Math.max(0, i < 0 ? n + i : i));
    const start = at(op.start);
    const end = Math.max(start, op.end === null ? n : at(op.end));
    if (op.length !== null && end - start !== op.length) throw invalidArgument(`${where}: needs ${op.length} along axis ${op.axis}, the tensor gives ${end - start} of its ${n}`);
    return gather(t, op.axis, [[start, end - start]]);
  }
  if (n < op.size) throw invalidArgument(`${where}: needs at least ${op.size} along axis ${op.axis}, the tensor has ${n}`);
  const windows: [number, number][] = [];
  for (let s = 0; s + op.size <= n; s += op.step) windows.push([s, op.size]);
  const out = gather(t, op.axis, windows);
  return { ...out, dims: [windows.length, ...t.dims.map((d, i) => (i === op.axis ? op.size : d))] };
}

/** The ranges [start, length] along `axis`, one after another, in a tensor of those lengths summed along it. */
function gather(t: Tensor, axis: number, ranges: [number, number][]): Tensor {
  const outer = elementCount(t.dims.slice(0, axis));
  const inner = elementCount(t.dims.slice(axis + 1));
  const total = ranges.reduce((sum, [, len]) => sum + len, 0);
  const data = allocate(t.dtype, ranges.length === 0 ? 0 : total * outer * inner) as Float32Array;
  const src = t.data as Float32Array;
  let at = 0;
  for (const [start, len] of ranges) {
    for (let o = 0; o < outer; o++) {
      const from = (o * t.dims[axis] + start) * inner;
      data.set(src.subarray(from, from + len * inner), at);
      at += len * inner;
    }
  }
  return { dtype: t.dtype, dims: t.dims.map((d, i) => (i === axis ? total : d)), data };
}

function maxAlong(t: Tensor, axis: number, where: string): Tensor {
  const n = t.dims[axis];
  if (n === 0) throw invalidArgument(`${where}: nothing along axis ${axis} to take the largest of`);
  const outer = elementCount(t.dims.slice(0, axis));
  const inner = elementCount(t.dims.slice(axis + 1));
  const src = t.data as Float32Array;
  const data = allocate(t.dtype, outer * inner) as Float32Array;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = src[o * n * inner + i];
      for (let k = 1; k < n; k++) best = Math.max(best, src[(o * n + k) * inner + i]);
      data[o * inner + i] = best;
    }
  }
  return { dtype: t.dtype, dims: t.dims.map((d, i) => (i === axis ? 1 : d)), data };
}

function reshaped(dims: number[], t: Tensor, where: string): number[] {
  const count = t.data.length;
  const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const out = dims.map((d) => (d === -1 ? count / known : d));
  if (!out.every((d) => Number.isInteger(d)) || elementCount(out) !== count) {
    throw invalidArgument(`${where}: cannot reshape [${t.dims.join(', ')}] (${count} elements) to [${dims.join(', ')}]`);
  }
  return out;
}
