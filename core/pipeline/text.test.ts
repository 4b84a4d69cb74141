import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Tensor, TensorSpec } from '../tensor/tensor.ts';
import { loadTokenizer, textTensors, type TextInput } from './text.ts';

// The bundled sentiment model's WordPiece tokenizer (test/fixtures/build-models.ts): [PAD] 0,
// [CLS] 2, [SEP] 3, "the" 4, "movie" 5, "was" 7, "great" 10, "fun" 12, "!" 25.
const DIR = join(import.meta.dirname, '../../models/sentiment/1');
const { tokenizer, padId } = loadTokenizer(readFileSync(join(DIR, 'tokenizer.json')), readFileSync(join(DIR, 'tokenizer_config.json')));
const spec = (name: string, dtype: 'int64' | 'int32' = 'int64'): TensorSpec => ({ name, dtype, dims: [-1, -1] });
const input = (over: Partial<TextInput> = {}): TextInput => ({
  kind: 'text',
  name: 'text',
  maxLength: 8,
  truncation: false,
  padding: 'longest',
  feeds: { ids: spec('input_ids'), attentionMask: spec('attention_mask'), tokenTypeIds: spec('token_type_ids') },
  tokenizer,
  padId,
  ...over,
});
const texts = (...values: string[]): Tensor => ({ dtype: 'string', dims: [values.length], data: values });
const rows = (t: Tensor) => {
  const flat = Array.from(t.data as BigInt64Array | Int32Array, Number);
  return Array.from({ length: t.dims[0] }, (_, i) => flat.slice(i * t.dims[1], (i + 1) * t.dims[1]));
};

describe('text inputs', () => {
  it('tokenizes each example, pads to the longest with the pad token, and masks the padding', () => {
    const out = textTensors(texts('The movie was great fun!', 'great'), input());
    expect(padId).toBe(0);
    expect(rows(out.input_ids)).toEqual([
      [2, 4, 5, 7, 10, 12, 25, 3],
      [2, 10, 3, 0, 0, 0, 0, 0],
    ]);
    expect(rows(out.attention_mask)).toEqual([
      [1, 1, 1, 1, 1, 1, 1, 1],
      [1, 1, 1, 0, 0, 0, 0, 0],
    ]);
    expect(rows(out.token_type_ids)).toEqual([Array(8).fill(0), Array(8).fill(0)]);
  });

  it('pads to max_length, and writes int32 for a model that takes it', () => {
    const out = textTensors(texts('great'), input({ padding: 'max_length', maxLength: 5, feeds: { ids: spec('input_ids', 'int32') } }));
    expect(out.input_ids).toEqual({ dtype: 'int32', dims: [1, 5], data: Int32Array.of(2, 10, 3, 0, 0) });
    expect(Object.keys(out)).toEqual(['input_ids']);
  });

  it('refuses text over max_length unless it truncates, keeping the closing token', () => {
    expect(() => textTensors(texts('fine', 'The movie was great fun!'), input({ maxLength: 5 }))).toThrow("input text, example 1: 8 tokens, over this model's limit of 5");
    const cut = textTensors(texts('The movie was great fun!'), input({ maxLength: 5, truncation: true }));
    expect(rows(cut.input_ids)).toEqual([[2, 4, 5, 7, 3]]);
    expect(() => textTensors(texts('a'.repeat(8 * 64 + 1)), input())).toThrow("input text: 513 characters, over this model's limit of 512 (8 tokens)");
  });
});

describe('text inputs at their edges', () => {
  it('refuses a missing or non-string input, and no examples, naming the input', () => {
    expect(() => textTensors(undefined, input())).toThrow('input text: expects text (strings)');
    expect(() => textTensors({ dtype: 'float32', dims: [1], data: Float32Array.of(1) }, input())).toThrow('input text: expects text (strings)');
    expect(() => textTensors(texts(), input())).toThrow('input text: no text');
  });

  it('takes exactly max_length x 64 characters (then truncates to max_length tokens)', () => {
    const out = textTensors(texts('a '.repeat(256)), input({ truncation: true }));
    expect(out.input_ids.dims).toEqual([1, 8]);
  });

  it("pads to the longest example, not to max_length, unless asked; int64 ids stay int64, int32 rows each in their place", () => {
    const longest = textTensors(texts('great', 'The movie'), input({ maxLength: 16 }));
    expect(longest.input_ids.dims).toEqual([2, 4]);
    expect(longest.input_ids.data).toBeInstanceOf(BigInt64Array);
    const int32 = textTensors(texts('great', 'The movie'), input({ feeds: { ids: spec('input_ids', 'int32') } }));
    expect(Array.from(int32.input_ids.data as Int32Array)).toEqual([2, 10, 3, 0, 2, 4, 5, 3]);
  });

  it('finds the pad token by its text, in either form of tokenizer_config.json, or in tokenizer.json', () => {
    const json = readFileSync(join(DIR, 'tokenizer.json'));
    const config = (pad: unknown) => new TextEncoder().encode(JSON.stringify({ pad_token: pad }));
    expect(loadTokenizer(json, config('[SEP]')).padId).toBe(3);
    expect(loadTokenizer(json, config({ content: '[SEP]' })).padId).toBe(3);
    const withPadding = new TextEncoder().encode(JSON.stringify({ ...JSON.parse(json.toString()), padding: { pad_id: 1 } }));
    expect(loadTokenizer(withPadding, undefined).padId).toBe(1);
    expect(loadTokenizer(json, undefined).padId).toBe(0);
  });
});

