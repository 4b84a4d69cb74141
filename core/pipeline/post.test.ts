import { describe, expect, it } from 'vitest';
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
});
