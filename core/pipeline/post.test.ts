import { describe, expect, it } from 'vitest';
import { servingErrorMessage } from '../../test/support/thrown.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { runOutputStep } from './post.ts';

const scores = (rows: number[][]): Tensor => ({ dtype: 'float32', dims: [rows.length, rows[0].length], data: Float32Array.from(rows.flat()) });

describe('output steps', () => {
  it('softmax and sigmoid per row, in float32', () => {
    const soft = runOutputStep({ op: 'softmax' }, scores([[1, 2, 3], [0, 0, 0]]), null, 'o').value;
    const e = [Math.exp(-2), Math.exp(-1), 1];
    const total = e[0] + e[1] + e[2];
    expect(Array.from(soft.data as Float32Array)).toEqual([...e.map((v) => Math.fround(v / total)), ...[1, 1, 1].map(() => Math.fround(1 / 3))]);
    expect(Array.from(runOutputStep({ op: 'sigmoid' }, scores([[0, 2]]), null, 'o').value.data as Float32Array)).toEqual([0.5, Math.fround(1 / (1 + Math.exp(-2)))]);
  });

  it('top_k: class names best first, ties by index, with their scores beside', () => {
    const out = runOutputStep({ op: 'top_k', k: 2, scores: 'p' }, scores([[0.1, 0.7, 0.2], [0.4, 0.2, 0.4]]), ['a', 'b', 'c'], 'o');
    expect(out.value).toEqual({ dtype: 'string', dims: [2, 2], data: ['b', 'c', 'a', 'c'] });
    expect(out.extra).toEqual([{ name: 'p', tensor: { dtype: 'float32', dims: [2, 2], data: Float32Array.of(0.7, 0.2, 0.4, 0.4) } }]);
    // k over the class count: every class; no labels: the index as text.
    expect(runOutputStep({ op: 'top_k', k: 9, scores: 'p' }, scores([[0.1, 0.7]]), null, 'o').value.data).toEqual(['1', '0']);
  });

  it('argmax: the best class of each row', () => {
    expect(runOutputStep({ op: 'argmax' }, scores([[0.1, 0.7, 0.2], [3, 1, 2]]), ['a', 'b', 'c'], 'o').value).toEqual({ dtype: 'string', dims: [2], data: ['b', 'a'] });
  });

  it('refuses scores that are not float', () => {
    expect(() => runOutputStep({ op: 'softmax' }, { dtype: 'int64', dims: [1, 2], data: BigInt64Array.of(1n, 2n) }, null, 'output classes, step 0 (softmax)')).toThrow(
      'output classes, step 0 (softmax): expects float scores, got int64',
    );
  });

  it('threshold: true where a score reaches the value', () => {
    expect(runOutputStep({ op: 'threshold', value: 0.5 }, scores([[0.2, 0.5, 0.9]]), null, 'o').value).toEqual({ dtype: 'bool', dims: [1, 3], data: Uint8Array.of(0, 1, 1) });
  });

  it("ctc_greedy: best class per step, repeats merged, blanks dropped, characters[c - 1], and the kept steps' mean", () => {
    // Steps' best classes: 1 1 0 1 2 2 0 -> "a", "a", "b" (the repeat of 1 across a blank is kept).
    const probs = [
      [0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.9, 0.05, 0.05], [0.3, 0.6, 0.1], [0.1, 0.1, 0.8], [0.2, 0.1, 0.7], [0.6, 0.2, 0.2],
    ];
    const t = { dtype: 'float32' as const, dims: [1, 7, 3], data: Float32Array.from(probs.flat()) };
    const out = runOutputStep({ op: 'ctc_greedy', blank: 0, characters: ['a', 'b'], scores: 's' }, t, null, 'o');
    expect(out.value).toEqual({ dtype: 'string', dims: [1], data: ['aab'] });
    expect(Array.from(out.extra![0].tensor.data as Float32Array)).toEqual([Math.fround((0.8 + 0.6 + 0.8) / 3)]);
    const empty = runOutputStep({ op: 'ctc_greedy', blank: 0, characters: ['a', 'b'], scores: 's' }, { ...t, dims: [1, 1, 3], data: Float32Array.of(0.9, 0.05, 0.05) }, null, 'o');
    expect([empty.value.data, Array.from(empty.extra![0].tensor.data as Float32Array)]).toEqual([[''], [0]]);
    expect(() => runOutputStep({ op: 'ctc_greedy', blank: 0, characters: ['a'], scores: 's' }, t, null, 'output text, step 0 (ctc_greedy)')).toThrow(
      'output text, step 0 (ctc_greedy): class 2 has no character (characters.txt has 1)',
    );
  });

  it('nms: best class per box, under-threshold boxes dropped, overlaps of a better box of the same class dropped, padded to max', () => {
    // Four boxes: 0 and 1 overlap heavily (IoU 0.81) and are both "cat"; 2 overlaps 0 but is a "dog"; 3 scores under the threshold.
    const boxes = { dtype: 'float32' as const, dims: [1, 4, 4], data: Float32Array.of(0, 0, 10, 10, 0, 0, 10, 9, 1, 1, 11, 11, 20, 20, 30, 30) };
    const probs = { dtype: 'float32' as const, dims: [1, 4, 2], data: Float32Array.of(0.9, 0.1, 0.8, 0.2, 0.3, 0.7, 0.1, 0.05) };
    const step = { op: 'nms' as const, boxes: 'boxes', iou: 0.5, scoreThreshold: 0.2, maxDetections: 3, names: { boxes: 'b', scores: 's', count: 'n' } };
    const out = runOutputStep(step, probs, ['cat', 'dog'], 'o', { boxes });
    expect(out.value).toEqual({ dtype: 'string', dims: [1, 3], data: ['cat', 'dog', ''] });
    const [b, s, n] = out.extra!;
    expect(Array.from(b.tensor.data as Float32Array)).toEqual([0, 0, 10, 10, 1, 1, 11, 11, 0, 0, 0, 0]);
    expect(Array.from(s.tensor.data as Float32Array)).toEqual([0.9, 0.7, 0].map(Math.fround));
    expect(n.tensor).toEqual({ dtype: 'int32', dims: [1], data: Int32Array.of(2) });
  });

  it('nms keeps same-class boxes that overlap a little (IoU at or under the limit)', () => {
    // Two cats side by side: overlap 2 x 10 of two 10 x 10 boxes, IoU 20 / 180 = 0.11.
    const boxes = { dtype: 'float32' as const, dims: [1, 2, 4], data: Float32Array.of(0, 0, 10, 10, 8, 0, 18, 10) };
    const probs = { dtype: 'float32' as const, dims: [1, 2], data: Float32Array.of(0.9, 0.8) };
    const step = { op: 'nms' as const, boxes: 'boxes', iou: 0.5, scoreThreshold: 0, maxDetections: 2, names: { boxes: 'b', scores: 's', count: 'n' } };
    const out = runOutputStep(step, probs, ['cat'], 'o', { boxes });
    expect(out.value.data).toEqual(['cat', 'cat']);
    expect(out.extra![2].tensor.data).toEqual(Int32Array.of(2));
  });
});


describe('join', () => {
  it('joins the strings along the last axis into one per row', () => {
    const lines = { dtype: 'string' as const, dims: [2, 3], data: ['a', 'b', 'c', 'd', '', 'f'] };
    expect(runOutputStep({ op: 'join', separator: '\n' }, lines, null, 'output text, step 1 (join)').value).toEqual({ dtype: 'string', dims: [2], data: ['a\nb\nc', 'd\n\nf'] });
    expect(runOutputStep({ op: 'join', separator: ' ' }, { dtype: 'string', dims: [0], data: [] }, null, 'w').value).toEqual({ dtype: 'string', dims: [], data: [''] });
  });

  it('refuses numbers and a scalar string: there is no axis of strings to join', () => {
    expect(servingErrorMessage(() => runOutputStep({ op: 'join', separator: '' }, { dtype: 'float32', dims: [1, 2], data: Float32Array.of(1, 2) }, null, 'output text, step 1 (join)'))).toBe(
      'output text, step 1 (join): expects strings along an axis, got float32 [1, 2]',
    );
    expect(servingErrorMessage(() => runOutputStep({ op: 'join', separator: '' }, { dtype: 'string', dims: [], data: ['a'] }, null, 'w'))).toBe('w: expects strings along an axis, got string []');
  });
});

describe('score steps: shapes and arithmetic', () => {
  const f32 = (dims: number[], values: number[]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(values) });

  it('softmax answers float32 scores of the input shape', () => {
    expect(runOutputStep({ op: 'softmax' }, scores([[0, Math.log(3)]]), null, 'o').value).toEqual({ dtype: 'float32', dims: [1, 2], data: Float32Array.of(0.25, 0.75) });
  });

  it('softmax stays finite for large logits and logits far apart', () => {
    const soft = (row: number[]) => Array.from(runOutputStep({ op: 'softmax' }, scores([row]), null, 'o').value.data as Float32Array);
    expect(soft([0, 1000])).toEqual([0, 1]);
    expect(soft([1000, 1000])).toEqual([0.5, 0.5]);
  });

  it('refuses a scalar: scores need a class axis', () => {
    expect(servingErrorMessage(() => runOutputStep({ op: 'softmax' }, f32([], [1]), null, 'output probabilities, step 0 (softmax)'))).toBe(
      'output probabilities, step 0 (softmax): expects scores with a class axis, got a scalar',
    );
  });

  it('softmax of rows with no classes answers an empty tensor of the same shape', () => {
    expect(runOutputStep({ op: 'softmax' }, f32([2, 0], []), null, 'o').value).toEqual({ dtype: 'float32', dims: [2, 0], data: new Float32Array(0) });
  });

  it('argmax and top_k over [batch, tokens, classes]: one answer per token, along the last axis only', () => {
    const tokens = f32([1, 2, 3], [0.1, 0.7, 0.2, 0.5, 0.3, 0.2]);
    expect(runOutputStep({ op: 'argmax' }, tokens, ['a', 'b', 'c'], 'o').value).toEqual({ dtype: 'string', dims: [1, 2], data: ['b', 'a'] });
    const top = runOutputStep({ op: 'top_k', k: 1, scores: 'p' }, tokens, ['a', 'b', 'c'], 'o');
    expect(top.value).toEqual({ dtype: 'string', dims: [1, 2, 1], data: ['b', 'a'] });
    expect(top.extra).toEqual([{ name: 'p', tensor: { dtype: 'float32', dims: [1, 2, 1], data: Float32Array.of(0.7, 0.5) } }]);
  });
});

describe('ctc_greedy: batches and declared blanks', () => {
  const probs = (rows: number[][][]): Tensor => ({ dtype: 'float32', dims: [rows.length, rows[0].length, rows[0][0].length], data: Float32Array.from(rows.flat(2)) });
  const ctc = { op: 'ctc_greedy' as const, blank: 0, characters: ['a', 'b'], scores: 'line_scores' };

  it('refuses probabilities that are not [batch, steps, classes], naming their shape', () => {
    expect(servingErrorMessage(() => runOutputStep(ctc, { dtype: 'float32', dims: [1, 3], data: Float32Array.of(0.1, 0.8, 0.1) }, null, 'output text, step 0 (ctc_greedy)'))).toBe(
      'output text, step 0 (ctc_greedy): expects [batch, steps, classes] probabilities, got [1, 3]',
    );
  });

  it('decodes each example of a batch from its own steps, with its own mean score', () => {
    // Example 0: classes 1 2 -> "ab"; example 1: classes 1 0 -> "a".
    const out = runOutputStep(ctc, probs([[[0.125, 0.75, 0.125], [0.25, 0.25, 0.5]], [[0.25, 0.5, 0.25], [0.75, 0.125, 0.125]]]), null, 'o');
    expect(out.value).toEqual({ dtype: 'string', dims: [2], data: ['ab', 'a'] });
    expect(out.extra).toEqual([{ name: 'line_scores', tensor: { dtype: 'float32', dims: [2], data: Float32Array.of(0.625, 0.5) } }]);
  });

  it('takes the lower class where two classes tie, as numpy argmax', () => {
    // Step 0: the blank ties class 1 (blank wins); step 1: class 1 ties class 2 (class 1 wins).
    expect(runOutputStep(ctc, probs([[[0.4, 0.4, 0.2], [0.1, 0.45, 0.45]]]), null, 'o').value.data).toEqual(['a']);
  });

  it('with the blank declared last, class c is characters[c]', () => {
    // Classes 0 2 1 with blank 2 -> "ab".
    const out = runOutputStep({ ...ctc, blank: 2 }, probs([[[0.8, 0.1, 0.1], [0.1, 0.1, 0.8], [0.1, 0.8, 0.1]]]), null, 'o');
    expect(out.value.data).toEqual(['ab']);
  });
});

describe('nms: shapes, batches, limits and overlaps', () => {
  const where = 'output detections, step 0 (nms)';
  const names = { boxes: 'detection_boxes', scores: 'detection_scores', count: 'num_detections' };
  const step = (over: { iou?: number; scoreThreshold?: number; maxDetections?: number } = {}) => ({ op: 'nms' as const, boxes: 'boxes', iou: 0.5, scoreThreshold: 0, maxDetections: 4, names, ...over });
  const f32 = (dims: number[], values: number[]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(values) });
  const boxes = (...bs: number[][]) => f32([1, bs.length, 4], bs.flat());
  const run = (probs: Tensor, bs: Tensor, over: Parameters<typeof step>[0] = {}, labels: string[] | null = ['cat', 'dog', 'bird']) => {
    const out = runOutputStep(step(over), probs, labels, where, { boxes: bs });
    const [b, s, n] = out.extra!;
    return { classes: out.value.data as string[], boxes: Array.from(b.tensor.data as Float32Array), scores: Array.from(s.tensor.data as Float32Array), count: (n.tensor.data as Int32Array)[0] };
  };
  const refusal = (probs: Tensor, tensors: Record<string, Tensor>) => servingErrorMessage(() => runOutputStep(step(), probs, null, where, tensors));

  it('refuses boxes that are missing or not [batch, boxes, 4]', () => {
    const probs = f32([1, 2], [0.9, 0.8]);
    const message = `${where}: expects [batch, boxes, 4] boxes in boxes`;
    expect(refusal(probs, {})).toBe(message);
    expect(refusal(probs, { boxes: f32([2, 4], [0, 0, 1, 1, 0, 0, 1, 1]) })).toBe(message);
    expect(refusal(probs, { boxes: f32([1, 2, 5], Array(10).fill(0)) })).toBe(message);
    expect(refusal(probs, { boxes: f32([1, 2, 4, 1], Array(8).fill(0)) })).toBe(message);
  });

  it('refuses scores whose batch or box count differs from the boxes, naming their shape', () => {
    const bs = { boxes: f32([1, 2, 4], [0, 0, 1, 1, 2, 2, 3, 3]) };
    expect(refusal(f32([2, 2], [0.9, 0.8, 0.7, 0.6]), bs)).toBe(`${where}: 2 boxes but scores of shape [2, 2]`);
    expect(refusal(f32([1, 3, 2], [0.9, 0.1, 0.8, 0.2, 0.7, 0.3]), bs)).toBe(`${where}: 2 boxes but scores of shape [1, 3, 2]`);
  });

  it('answers named float32 boxes [batch, max, 4] and scores [batch, max], and int32 counts', () => {
    const out = runOutputStep(step({ maxDetections: 2 }), f32([1, 1], [0.9]), ['cat'], where, { boxes: boxes([1, 2, 3, 4]) });
    expect(out).toEqual({
      value: { dtype: 'string', dims: [1, 2], data: ['cat', ''] },
      extra: [
        { name: 'detection_boxes', tensor: { dtype: 'float32', dims: [1, 2, 4], data: Float32Array.of(1, 2, 3, 4, 0, 0, 0, 0) } },
        { name: 'detection_scores', tensor: { dtype: 'float32', dims: [1, 2], data: Float32Array.of(0.9, 0) } },
        { name: 'num_detections', tensor: { dtype: 'int32', dims: [1], data: Int32Array.of(1) } },
      ],
    });
  });

  it('detects in each example of a batch from its own boxes and scores', () => {
    const probs = f32([2, 2, 3], [
      0.1, 0.6, 0.3, /**/ 0.7, 0.2, 0.1, // example 0: box 0 a dog (0.6), box 1 a cat (0.7)
      0.1, 0.1, 0.8, /**/ 0.2, 0.7, 0.1, // example 1: box 0 a bird (0.8), box 1 a dog (0.7)
    ]);
    const bs = f32([2, 2, 4], [0, 0, 10, 10, 20, 20, 30, 30, /**/ 1, 1, 5, 5, 40, 40, 50, 50]);
    const out = runOutputStep(step({ maxDetections: 2 }), probs, ['cat', 'dog', 'bird'], where, { boxes: bs });
    expect(out.value).toEqual({ dtype: 'string', dims: [2, 2], data: ['cat', 'dog', 'bird', 'dog'] });
    const [b, s, n] = out.extra!;
    expect(b.tensor.data).toEqual(Float32Array.of(20, 20, 30, 30, 0, 0, 10, 10, /**/ 1, 1, 5, 5, 40, 40, 50, 50));
    expect(s.tensor.data).toEqual(Float32Array.of(0.7, 0.6, 0.8, 0.7));
    expect(n.tensor.data).toEqual(Int32Array.of(2, 2));
  });

  it("takes each box's best class; of tied classes, the lower", () => {
    // Box 0: 0.1 0.5 0.7 -> bird; box 1: 0.2 0.3 0.1 -> dog; box 2: 0.9 0.05 0.05 -> cat; box 3: 0.4 0.4 0.2 -> cat.
    const probs = f32([1, 4, 3], [0.1, 0.5, 0.7, 0.2, 0.3, 0.1, 0.9, 0.05, 0.05, 0.4, 0.4, 0.2]);
    const out = run(probs, boxes([0, 0, 1, 1], [10, 10, 11, 11], [20, 20, 21, 21], [30, 30, 31, 31]));
    expect(out.classes).toEqual(['cat', 'bird', 'cat', 'dog']);
    expect(out.scores).toEqual([0.9, 0.7, 0.4, 0.3].map(Math.fround));
  });

  it('answers best first, at most max_detections', () => {
    const out = run(f32([1, 3], [0.6, 0.9, 0.7]), boxes([0, 0, 1, 1], [10, 10, 11, 11], [20, 20, 21, 21]), { maxDetections: 2 });
    expect(out).toEqual({ classes: ['cat', 'cat'], boxes: [10, 10, 11, 11, 20, 20, 21, 21], scores: [0.9, 0.7].map(Math.fround), count: 2 });
  });

  it('keeps a box scoring exactly the threshold', () => {
    expect(run(f32([1, 2], [0.5, 0.25]), boxes([0, 0, 1, 1], [10, 10, 11, 11]), { scoreThreshold: 0.5 }).classes).toEqual(['cat', '', '', '']);
  });

  it('without labels, names classes by their index', () => {
    expect(run(f32([1, 1, 2], [0.1, 0.9]), boxes([0, 0, 1, 1]), {}, null).classes).toEqual(['1', '', '', '']);
  });

  // Box 0 is a far-away bird; boxes 1 and 2 are cats, box 2 the better one, so the IoU is of two boxes past the first.
  const cats = (other: number[]) => run(f32([1, 3, 3], [0, 0, 0.95, 0.8, 0, 0, 0.9, 0, 0]), boxes([50, 50, 60, 60], other, [2, 1, 12, 11]));

  it('drops a cat overlapping a better cat by more than the IoU', () => {
    // Overlap 10 x 7 = 70, union 100 + 100 - 70 = 130: IoU 0.54.
    expect(cats([2, 4, 12, 14]).classes).toEqual(['bird', 'cat', '', '']);
  });

  it('keeps a cat overlapping a better cat by less than the IoU', () => {
    // Overlap 10 x 4 = 40, union 160: IoU 0.25.
    expect(cats([2, 7, 12, 17]).classes).toEqual(['bird', 'cat', 'cat', '']);
  });

  it('keeps a cat overlapping a better cat by exactly the IoU', () => {
    // The lower half of the better box: overlap 50, union 100: IoU 0.5.
    expect(cats([2, 6, 12, 11]).classes).toEqual(['bird', 'cat', 'cat', '']);
  });

  it('keeps empty (zero-area) boxes: they overlap nothing', () => {
    expect(run(f32([1, 2], [0.9, 0.8]), boxes([5, 5, 5, 5], [5, 5, 5, 5])).count).toBe(2);
  });
});

describe('output steps refuse what they cannot read, as INVALID_ARGUMENT', () => {
  const nmsStep = { op: 'nms' as const, boxes: 'boxes', iou: 0.5, scoreThreshold: 0, maxDetections: 2, names: { boxes: 'b', scores: 's', count: 'n' } };
  const boxes: Tensor = { dtype: 'float32', dims: [1, 1, 4], data: Float32Array.of(0, 0, 1, 1) };

  it('argmax over rows without a class: no answer of a shape its data cannot fill', () => {
    expect(servingErrorMessage(() => runOutputStep({ op: 'argmax' }, { dtype: 'float32', dims: [2, 0], data: new Float32Array(0) }, null, 'o'))).toBe(
      'o: expects at least one class, got [2, 0]',
    );
  });

  it('ctc_greedy and nms over integer scores, naming the dtype (never a TypeError)', () => {
    const ints: Tensor = { dtype: 'int64', dims: [1, 1, 2], data: BigInt64Array.of(1n, 2n) };
    expect(servingErrorMessage(() => runOutputStep({ op: 'ctc_greedy', blank: 0, characters: ['a'], scores: 's' }, ints, null, 'o'))).toBe('o: expects float scores, got int64');
    expect(servingErrorMessage(() => runOutputStep(nmsStep, ints, null, 'o', { boxes }))).toBe('o: expects float scores, got int64');
    const intBoxes: Tensor = { dtype: 'int64', dims: [1, 1, 4], data: BigInt64Array.of(0n, 0n, 1n, 1n) };
    const floats: Tensor = { dtype: 'float32', dims: [1, 1, 2], data: Float32Array.of(0.1, 0.9) };
    expect(servingErrorMessage(() => runOutputStep(nmsStep, floats, null, 'o', { boxes: intBoxes }))).toBe('o: expects [batch, boxes, 4] float boxes in boxes, got int64');
  });
});
