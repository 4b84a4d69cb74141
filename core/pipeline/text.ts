import { Tokenizer } from '@huggingface/tokenizers';
import { invalidArgument } from '../errors.ts';
import type { Tensor, TensorSpec } from '../tensor/tensor.ts';

/**
 * Text inputs (pipeline.json `kind: "text"`): each example's string through the version's Hugging
 * Face tokenizer.json (@huggingface/tokenizers: WordPiece, BPE, Unigram, in pure JavaScript, so the
 * same on every target), then to the model's token tensors as transformers' tokenizer(...,
 * padding, truncation) makes them: input ids, attention mask (1 per token, 0 per pad) and token
 * type ids, padded with the tokenizer's pad token to the longest example or to max_length.
 *
 * Text longer than max_length tokens is refused (400, naming the input and example) unless the
 * declaration truncates; truncation keeps the first max_length - 1 tokens and the last one (the
 * template's closing token: BERT's [SEP]). Before tokenizing, a string over 64 characters per
 * allowed token is refused, so one request cannot make the tokenizer work on megabytes.
 */
export interface TextInput {
  kind: 'text';
  name: string;
  maxLength: number;
  truncation: boolean;
  padding: 'longest' | 'max_length';
  /** Model inputs: token ids (required), attention mask and token type ids (optional). */
  feeds: { ids: TensorSpec; attentionMask?: TensorSpec; tokenTypeIds?: TensorSpec };
  tokenizer: Tokenizer;
  padId: number;
}

export const CHARS_PER_TOKEN = 64;

/** The tokenizer of a version, from its tokenizer.json and (optional) tokenizer_config.json. */
export function loadTokenizer(json: Uint8Array, config: Uint8Array | undefined): { tokenizer: Tokenizer; padId: number } {
  const doc = JSON.parse(new TextDecoder().decode(json)) as { padding?: { pad_id?: number } | null };
  const settings = config ? (JSON.parse(new TextDecoder().decode(config)) as { pad_token?: string | { content?: string } }) : {};
  const tokenizer = new Tokenizer(doc, settings);
  const pad = typeof settings.pad_token === 'string' ? settings.pad_token : settings.pad_token?.content;
  const padId = pad !== undefined ? tokenizer.encode(pad, { add_special_tokens: false }).ids[0] : (doc.padding?.pad_id ?? 0);
  return { tokenizer, padId: Number(padId ?? 0) };
}

export function textTensors(value: Tensor | undefined, input: TextInput): Record<string, Tensor> {
  if (!value || value.dtype !== 'string') throw invalidArgument(`input ${input.name}: expects text (strings)`);
  const texts = value.data as string[];
  if (texts.length === 0) throw invalidArgument(`input ${input.name}: no text`);
  const wantTypes = input.feeds.tokenTypeIds !== undefined;
  const encoded = texts.map((text, i) => {
    const where = texts.length === 1 ? `input ${input.name}` : `input ${input.name}, example ${i}`;
    if (text.length > input.maxLength * CHARS_PER_TOKEN) {
      throw invalidArgument(`${where}: ${text.length} characters, over this model's limit of ${input.maxLength * CHARS_PER_TOKEN} (${input.maxLength} tokens)`);
    }
    const e = input.tokenizer.encode(text, { return_token_type_ids: wantTypes });
    let ids = e.ids.map(Number);
    let types = (e as { token_type_ids?: number[] }).token_type_ids ?? ids.map(() => 0);
    if (ids.length > input.maxLength) {
      if (!input.truncation) throw invalidArgument(`${where}: ${ids.length} tokens, over this model's limit of ${input.maxLength}`);
      ids = [...ids.slice(0, input.maxLength - 1), ids[ids.length - 1]];
      types = [...types.slice(0, input.maxLength - 1), types[types.length - 1]];
    }
    return { ids, types };
  });
  const length = input.padding === 'max_length' ? input.maxLength : Math.max(...encoded.map((e) => e.ids.length));
  const out: Record<string, Tensor> = {};
  const fill = (spec: TensorSpec, value: (e: { ids: number[]; types: number[] }, j: number) => number) => {
    const n = encoded.length * length;
    const data = spec.dtype === 'int32' ? new Int32Array(n) : new BigInt64Array(n);
    encoded.forEach((e, i) => {
      for (let j = 0; j < length; j++) {
        const v = value(e, j);
        if (data instanceof Int32Array) data[i * length + j] = v;
        else data[i * length + j] = BigInt(v);
      }
    });
    out[spec.name] = { dtype: spec.dtype, dims: [encoded.length, length], data };
  };
  fill(input.feeds.ids, (e, j) => (j < e.ids.length ? e.ids[j] : input.padId));
  if (input.feeds.attentionMask) fill(input.feeds.attentionMask, (e, j) => (j < e.ids.length ? 1 : 0));
  if (input.feeds.tokenTypeIds) fill(input.feeds.tokenTypeIds, (e, j) => (j < e.types.length ? e.types[j] : 0));
  return out;
}
