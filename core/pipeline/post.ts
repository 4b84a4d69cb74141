import { invalidArgument } from '../errors.ts';
import type { Tensor } from '../tensor/tensor.ts';

/**
 * Output steps (pipeline.json "outputs"): each turns one tensor into an answer. Scores are computed
 * in float64 and returned as float32, per row along the last axis; a row is one example.
 * - softmax, sigmoid: same shape.
 * - top_k: the k best classes of each row, best first (ties: the lower index first), as class
 *   names from the version's labels.txt (or the index as text without one), and their scores.
 * - argmax: the best class of each row, as its name (or index as text).
 * - threshold: true where a score is at least the value (multi-label answers after a sigmoid).
 * - ctc_greedy: CTC's greedy decoding of [batch, steps, classes] probabilities, as PaddleOCR's
 *   recognizer does it: each step's best class, repeats merged, the blank dropped, class c read
 *   as characters[c - 1] (the blank is class 0 unless declared); the text, and beside it the mean
 *   probability of the kept steps (0 for an empty text).
 */
export type OutputStep =
  | { op: 'softmax' }
  | { op: 'sigmoid' }
  | { op: 'top_k'; k: number; scores: string }
  | { op: 'argmax' }
  | { op: 'threshold'; value: number }
  | { op: 'ctc_greedy'; blank: number; characters: string[]; scores: string };

/** A step's result: the tensor under the entry's name, and for top_k the scores beside it. */
export interface StepResult {
  value: Tensor;
  scores?: { name: string; tensor: Tensor };
}

export function runOutputStep(step: OutputStep, input: Tensor, labels: string[] | null, where: string): StepResult {
  if (step.op === 'ctc_greedy') return ctcGreedy(step, input, where);
  const rows = floatRows(input, where);
  switch (step.op) {
    case 'softmax':
      return { value: mapRows(input, rows, softmax) };
    case 'sigmoid':
      return { value: mapRows(input, rows, (r) => r.map((v) => 1 / (1 + Math.exp(-v)))) };
    case 'threshold':
      return { value: { dtype: 'bool', dims: input.dims, data: Uint8Array.from(rows.values.flat(), (v) => (v >= step.value ? 1 : 0)) } };
    case 'argmax': {
      const names = rows.values.map((r) => className(best(r, 1)[0], labels));
      return { value: { dtype: 'string', dims: rows.batchDims, data: names } };
    }
    case 'top_k': {
      const k = Math.min(step.k, rows.width);
      const names: string[] = [];
      const scores = new Float32Array(rows.values.length * k);
      rows.values.forEach((r, i) => best(r, k).forEach((c, j) => {
        names.push(className(c, labels));
        scores[i * k + j] = r[c];
      }));
      const dims = [...rows.batchDims, k];
      return { value: { dtype: 'string', dims, data: names }, scores: { name: step.scores, tensor: { dtype: 'float32', dims, data: scores } } };
    }
  }
}

function floatRows(t: Tensor, where: string): { values: number[][]; width: number; batchDims: number[] } {
  if (!(t.data instanceof Float32Array || t.data instanceof Float64Array)) throw invalidArgument(`${where}: expects float scores, got ${t.dtype}`);
  if (t.dims.length === 0) throw invalidArgument(`${where}: expects scores with a class axis, got a scalar`);
  const width = t.dims[t.dims.length - 1];
  const values: number[][] = [];
  for (let i = 0; i + width <= t.data.length && width > 0; i += width) values.push(Array.from(t.data.subarray(i, i + width)));
  return { values, width, batchDims: t.dims.slice(0, -1) };
}

function mapRows(t: Tensor, rows: { values: number[][] }, f: (row: number[]) => number[]): Tensor {
  return { dtype: 'float32', dims: t.dims, data: Float32Array.from(rows.values.flatMap(f)) };
}

function softmax(row: number[]): number[] {
  const max = Math.max(...row);
  const exp = row.map((v) => Math.exp(v - max));
  const total = exp.reduce((a, b) => a + b, 0);
  return exp.map((v) => v / total);
}

/** Indices of the k largest values, largest first; equal values keep index order. */
function best(row: number[], k: number): number[] {
  return row
    .map((v, i) => [v, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => i);
}

const className = (index: number, labels: string[] | null) => labels?.[index] ?? String(index);

function ctcGreedy(step: Extract<OutputStep, { op: 'ctc_greedy' }>, t: Tensor, where: string): StepResult {
  if (t.dims.length !== 3) throw invalidArgument(`${where}: expects [batch, steps, classes] probabilities, got [${t.dims.join(', ')}]`);
  const [batch, steps, classes] = t.dims;
  const data = t.data as Float32Array;
  const texts: string[] = [];
  const scores = new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    let text = '';
    let total = 0;
    let kept = 0;
    let previous = -1;
    for (let s = 0; s < steps; s++) {
      const row = (b * steps + s) * classes;
      let best = 0;
      for (let c = 1; c < classes; c++) if (data[row + c] > data[row + best]) best = c;
      if (best !== step.blank && best !== previous) {
        const index = best > step.blank ? best - 1 : best;
        if (index >= step.characters.length) throw invalidArgument(`${where}: class ${best} has no character (characters.txt has ${step.characters.length})`);
        text += step.characters[index];
        total += data[row + best];
        kept++;
      }
      previous = best;
    }
    texts.push(text);
    scores[b] = kept ? total / kept : 0;
  }
  return { value: { dtype: 'string', dims: [batch], data: texts }, scores: { name: step.scores, tensor: { dtype: 'float32', dims: [batch], data: scores } } };
}

