import { describe, expect, it } from 'vitest';
import { servingErrorMessage } from '../../../test/support/thrown.ts';
import { fillTensor, inferShape, jsonToTensor } from './fill.ts';
import { leafWriter } from './leaf.ts';
import { parseJson } from './parse.ts';

describe('inferShape', () => {
  it('follows first elements and stops at an empty list', () => {
    expect(['[]', '[[], []]', '[[[1, 2]]]', '1', '"s"'].map((t) => inferShape(parseJson(t)))).toEqual([[0], [2, 0], [1, 1, 2], [], []]);
  });
});

describe('jsonToTensor', () => {
  // The shape is charged (and allocated) only once the whole value is known to have it; a
  // malformed value is reported as TF reports it, without charging what its first elements claim.
  it.each([
    ['[[1, 2], [3]]', 'float32', 'Encountered list at unexpected size: 1 at level: 1 expected size: 2'],
    ['[[1], [[2]]]', 'float32', 'Encountered list at unexpected level: 2 expected < 2'],
    ['[[1, [2]]]', 'float32', 'Encountered list at unexpected level: 2 expected < 2'],
    ['[["a"], "b"]', 'string', 'JSON Value: "b" found at incorrect level: 2 in the JSON DOM. Expected at level: 2'],
  ] as const)('reports %s without charging its shape', (text, dtype, message) => {
    const charged: number[][] = [];
    expect(servingErrorMessage(() => jsonToTensor(parseJson(text), dtype, (dims) => charged.push(dims)))).toBe(message);
    expect(charged).toEqual([]);
  });

  it('charges the shape of a well-formed value once, then fills it', () => {
    const charged: number[][] = [];
    const t = jsonToTensor(parseJson('[[1, 2], [3, 4]]'), 'int32', (dims) => charged.push(dims));
    expect(charged).toEqual([[2, 2]]);
    expect(t).toEqual({ dtype: 'int32', dims: [2, 2], data: new Int32Array([1, 2, 3, 4]) });
  });
});

describe('fillTensor', () => {
  it('refuses a list where the shape has no level left', () => {
    const leaf = leafWriter('float32');
    expect(servingErrorMessage(() => fillTensor(parseJson('[1]'), 0, [], leaf, null, 0))).toBe(
      'Encountered list at unexpected level: 0 expected < 0',
    );
    expect(servingErrorMessage(() => fillTensor(parseJson('[[1]]'), 1, [1], leaf, null, 0))).toBe(
      'Encountered list at unexpected level: 1 expected < 1',
    );
  });
});
