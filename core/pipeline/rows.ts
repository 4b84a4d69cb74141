import { invalidArgument } from '../errors.ts';
import type { Signature, Tensor } from '../tensor/tensor.ts';

/**
 * Rows of a batch, for pipelines: most exports fix their batch at 1, so a pipeline runs such a
 * model once per row (runRows) and stacks the answers (concatRows); a chain stacks its
 * examples' answers the same way.
 */

/** One run, or one per row when the model's batch is fixed at 1 and several rows came. */
export async function runRows(
  signature: Signature,
  run: (inputs: Record<string, Tensor>) => Promise<Record<string, Tensor>>,
  inputs: Record<string, Tensor>,
): Promise<Record<string, Tensor>> {
  const fixedOne = signature.inputs.some((s) => s.dims?.[0] === 1);
  const batch = Object.values(inputs)[0]?.dims[0] ?? 1;
  if (!fixedOne || batch <= 1) return run(inputs);
  const parts: Record<string, Tensor>[] = [];
  for (let i = 0; i < batch; i++) parts.push(await run(Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, rowOf(t, i)]))));
  return Object.fromEntries(Object.keys(parts[0]).map((k) => [k, concatRows(parts.map((p) => p[k]), k)]));
}

export function rowOf(t: Tensor, i: number): Tensor {
  const size = t.dims.slice(1).reduce((a, b) => a * b, 1);
  return { dtype: t.dtype, dims: [1, ...t.dims.slice(1)], data: t.data.slice(i * size, (i + 1) * size) as Tensor['data'] };
}

/** Tensors stacked along their first axis; rows whose other dims differ are the caller's error (examples of different sizes). */
export function concatRows(parts: Tensor[], name: string): Tensor {
  const [first] = parts;
  if (parts.length === 1) return first;
  const rest = first.dims.slice(1).join(',');
  const odd = parts.find((p) => p.dims.length !== first.dims.length || p.dims.slice(1).join(',') !== rest);
  if (odd) throw invalidArgument(`output ${name}: the examples' answers differ in shape ([${first.dims.join(', ')}] and [${odd.dims.join(', ')}]); send them in separate requests`);
  const dims = [parts.reduce((n, p) => n + p.dims[0], 0), ...first.dims.slice(1)];
  if (Array.isArray(first.data)) return { dtype: first.dtype, dims, data: parts.flatMap((p) => p.data as string[]) };
  const data = new (first.data.constructor as new (n: number) => Exclude<Tensor['data'], string[]>)(parts.reduce((n, p) => n + p.data.length, 0));
  let at = 0;
  for (const p of parts) {
    (data as Float32Array).set(p.data as Float32Array, at);
    at += p.data.length;
  }
  return { dtype: first.dtype, dims, data };
}
