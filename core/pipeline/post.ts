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
 * - join: the strings along the last axis joined with the separator (an OCR's lines as one text).
 * - ctc_greedy: CTC's greedy decoding of [batch, steps, classes] probabilities, as PaddleOCR's
 *   recognizer does it: each step's best class, repeats merged, the blank dropped, class c read
 *   as characters[c - 1] (the blank is class 0 unless declared); the text, and beside it the mean
 *   probability of the kept steps (0 for an empty text).
 * - nms: detections from [batch, boxes, classes] scores (or [batch, boxes] for one class) and the
 *   model's [batch, boxes, 4] corner boxes (x1, y1, x2, y2): each box's best class, boxes under
 *   the score threshold dropped, then greedy non-maximum suppression per class (a box overlapping
 *   a better one of its class by more than the IoU is dropped), best first, at most
 *   maxDetections; as TF's object detection API answers, padded to maxDetections: the class names,
 *   and beside them the boxes, the scores and the count per example.
 */
export type OutputStep =
  | { op: 'softmax' }
  | { op: 'sigmoid' }
  | { op: 'top_k'; k: number; scores: string }
  | { op: 'argmax' }
  | { op: 'threshold'; value: number }
  | { op: 'join'; separator: string }
  | { op: 'ctc_greedy'; blank: number; characters: string[]; scores: string }
  | { op: 'nms'; boxes: string; iou: number; scoreThreshold: number; maxDetections: number; names: { boxes: string; scores: string; count: string } };

/** A step's result: the tensor under the entry's name, and the outputs some steps add beside it. */
export interface StepResult {
  value: Tensor;
  extra?: { name: string; tensor: Tensor }[];
}

/** `tensors`: the model's outputs and the earlier entries (nms reads its boxes there). */
export function runOutputStep(step: OutputStep, input: Tensor, labels: string[] | null, where: string, tensors: Record<string, Tensor> = {}): StepResult {
  if (step.op === 'ctc_greedy') return ctcGreedy(step, input, where);
  if (step.op === 'nms') return nms(step, input, tensors[step.boxes], labels, where);
  if (step.op === 'join') return join(step.separator, input, where);
  const rows = floatRows(input, where);
  switch (step.op) {
    case 'softmax':
      return { value: mapRows(input, rows, softmax) };
    case 'sigmoid':
      return { value: mapRows(input, rows, (r) => r.map((v) => 1 / (1 + Math.exp(-v)))) };
    case 'threshold':
      return { value: { dtype: 'bool', dims: input.dims, data: Uint8Array.from(rows.values.flat(), (v) => (v >= step.value ? 1 : 0)) } };
    case 'argmax': {
      if (rows.width === 0) throw invalidArgument(`${where}: expects at least one class, got [${input.dims.join(', ')}]`);
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
      return { value: { dtype: 'string', dims, data: names }, extra: [{ name: step.scores, tensor: { dtype: 'float32', dims, data: scores } }] };
    }
  }
}

function join(separator: string, t: Tensor, where: string): StepResult {
  if (t.dtype !== 'string' || t.dims.length === 0) throw invalidArgument(`${where}: expects strings along an axis, got ${t.dtype} [${t.dims.join(', ')}]`);
  const width = t.dims[t.dims.length - 1];
  const strings = t.data as string[];
  const dims = t.dims.slice(0, -1);
  const data = Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, row) => strings.slice(row * width, (row + 1) * width).join(separator));
  return { value: { dtype: 'string', dims, data } };
}

/** The tensor's values when they are floats; anything else is refused, naming `what` (scores, boxes). */
function floats(t: Tensor, where: string, what = 'float scores'): Float32Array | Float64Array {
  if (!(t.data instanceof Float32Array || t.data instanceof Float64Array)) throw invalidArgument(`${where}: expects ${what}, got ${t.dtype}`);
  return t.data;
}

function floatRows(t: Tensor, where: string): { values: number[][]; width: number; batchDims: number[] } {
  const data = floats(t, where);
  if (t.dims.length === 0) throw invalidArgument(`${where}: expects scores with a class axis, got a scalar`);
  const width = t.dims[t.dims.length - 1];
  const values: number[][] = [];
  for (let i = 0; i + width <= data.length && width > 0; i += width) values.push(Array.from(data.subarray(i, i + width)));
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
  const data = floats(t, where);
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
  return { value: { dtype: 'string', dims: [batch], data: texts }, extra: [{ name: step.scores, tensor: { dtype: 'float32', dims: [batch], data: scores } }] };
}

function nms(step: Extract<OutputStep, { op: 'nms' }>, scores: Tensor, boxes: Tensor | undefined, labels: string[] | null, where: string): StepResult {
  if (!boxes || boxes.dims.length !== 3 || boxes.dims[2] !== 4) throw invalidArgument(`${where}: expects [batch, boxes, 4] boxes in ${step.boxes}`);
  const [batch, n] = boxes.dims;
  const classes = scores.dims.length === 3 ? scores.dims[2] : 1;
  if (scores.dims[0] !== batch || scores.dims[1] !== n) throw invalidArgument(`${where}: ${n} boxes but scores of shape [${scores.dims.join(', ')}]`);
  const s = floats(scores, where);
  const b = floats(boxes, where, `[batch, boxes, 4] float boxes in ${step.boxes}`);
  const k = step.maxDetections;
  const outBoxes = new Float32Array(batch * k * 4);
  const outScores = new Float32Array(batch * k);
  const outClasses: string[] = new Array(batch * k).fill('');
  const counts = new Int32Array(batch);
  for (let e = 0; e < batch; e++) {
    const candidates: { box: number; cls: number; score: number }[] = [];
    for (let i = 0; i < n; i++) {
      let cls = 0;
      for (let c = 1; c < classes; c++) if (s[(e * n + i) * classes + c] > s[(e * n + i) * classes + cls]) cls = c;
      const score = s[(e * n + i) * classes + cls];
      if (score >= step.scoreThreshold) candidates.push({ box: e * n + i, cls, score });
    }
    candidates.sort((x, y) => y.score - x.score || x.box - y.box);
    const kept: typeof candidates = [];
    for (const c of candidates) {
      if (kept.length === k) break;
      if (kept.every((q) => q.cls !== c.cls || iou(b, q.box, c.box) <= step.iou)) kept.push(c);
    }
    kept.forEach((c, j) => {
      outBoxes.set(b.subarray(c.box * 4, c.box * 4 + 4), (e * k + j) * 4);
      outScores[e * k + j] = c.score;
      outClasses[e * k + j] = labels?.[c.cls] ?? String(c.cls);
    });
    counts[e] = kept.length;
  }
  return {
    value: { dtype: 'string', dims: [batch, k], data: outClasses },
    extra: [
      { name: step.names.boxes, tensor: { dtype: 'float32', dims: [batch, k, 4], data: outBoxes } },
      { name: step.names.scores, tensor: { dtype: 'float32', dims: [batch, k], data: outScores } },
      { name: step.names.count, tensor: { dtype: 'int32', dims: [batch], data: counts } },
    ],
  };
}

function iou(b: Float32Array | Float64Array, i: number, j: number): number {
  const [ax1, ay1, ax2, ay2] = b.subarray(i * 4, i * 4 + 4);
  const [bx1, by1, bx2, by2] = b.subarray(j * 4, j * 4 + 4);
  const w = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1));
  const h = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
  const inter = w * h;
  const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
  return union > 0 ? inter / union : 0;
}

