import { describe, expect, it } from 'vitest';
import { type BatchingParameters, defaultBatchingParameters, parseBatchingParameters } from './batching.ts';
import { ConfigError } from './config-error.ts';
import { thrown } from '../../test/support/thrown.ts';

const defaults = { numBatchThreads: 6 };
const parse = (input: string | object) => parseBatchingParameters(input, 'batching.config', defaults);
const errorOf = (fn: () => unknown): string => thrown(fn, ConfigError).message;

const TF_DEFAULTS: BatchingParameters = {
  maxBatchSize: 1000,
  batchTimeoutMicros: 0,
  maxEnqueuedBatches: 10,
  numBatchThreads: 6,
  allowedBatchSizes: [],
  enableLargeBatchSplitting: false,
  maxExecutionBatchSize: 1000,
  padVariableLengthInputs: false,
};

describe('parseBatchingParameters', () => {
  it("reads TF Serving's example file (spec section 13)", () => {
    const text = `
      max_batch_size { value: 128 }
      batch_timeout_micros { value: 0 }
      max_enqueued_batches { value: 1000000 }
      num_batch_threads { value: 8 }
    `;
    expect(parse(text)).toEqual({
      ...TF_DEFAULTS,
      maxBatchSize: 128,
      maxEnqueuedBatches: 1000000,
      numBatchThreads: 8,
      maxExecutionBatchSize: 128,
    });
  });

  it("uses TF Serving's defaults, with the caller's thread count", () => {
    expect(parse('')).toEqual(TF_DEFAULTS);
    expect(defaultBatchingParameters(defaults)).toEqual(TF_DEFAULTS);
  });

  it('reads every field, from text and from a JSON object alike', () => {
    const text = `
      max_batch_size { value: 64 }
      batch_timeout_micros { value: 2000 }
      max_enqueued_batches { value: 4 }
      num_batch_threads { value: 2 }
      thread_pool_name { value: "ignored" }
      allowed_batch_sizes: 8
      allowed_batch_sizes: 16
      allowed_batch_sizes: 32
      pad_variable_length_inputs: true
      enable_large_batch_splitting { value: true }
      max_execution_batch_size { value: 32 }
    `;
    const json = {
      max_batch_size: 64,
      batch_timeout_micros: 2000,
      max_enqueued_batches: 4,
      num_batch_threads: 2,
      allowed_batch_sizes: [8, 16, 32],
      pad_variable_length_inputs: true,
      enable_large_batch_splitting: true,
      max_execution_batch_size: 32,
    };
    const expected: BatchingParameters = {
      maxBatchSize: 64,
      batchTimeoutMicros: 2000,
      maxEnqueuedBatches: 4,
      numBatchThreads: 2,
      allowedBatchSizes: [8, 16, 32],
      enableLargeBatchSplitting: true,
      maxExecutionBatchSize: 32,
      padVariableLengthInputs: true,
    };
    expect(() => parse(text)).toThrow('Last entry in allowed_batch_sizes must match max_batch_size; last entry was 32; expected 64');
    const fixed = { ...expected, maxBatchSize: 32 };
    expect(parse(text.replace('value: 64', 'value: 32'))).toEqual(fixed);
    expect(parse({ ...json, max_batch_size: 32 })).toEqual(fixed);
    expect(parse(JSON.stringify({ ...json, max_batch_size: 32 }))).toEqual(fixed);
  });

  it('ignores max_execution_batch_size unless splitting is on', () => {
    expect(parse({ max_batch_size: 16, max_execution_batch_size: 4 }).maxExecutionBatchSize).toBe(16);
    expect(parse({ max_batch_size: 16, max_execution_batch_size: 4, enable_large_batch_splitting: true }).maxExecutionBatchSize).toBe(4);
    expect(parse({ max_batch_size: 16, enable_large_batch_splitting: true }).maxExecutionBatchSize).toBe(16);
  });

  it.each([
    ['max_batch_size { value: 0 }', 'batching.config:1:18: max_batch_size must be positive, got 0'],
    ['max_enqueued_batches { value: -1 }', 'batching.config:1:24: max_enqueued_batches must be positive, got -1'],
    ['num_batch_threads { value: 0 }', 'num_batch_threads must be positive, got 0'],
    ['batch_timeout_micros { value: -5 }', 'batch_timeout_micros must be zero or more, got -5'],
    ['allowed_batch_sizes: 0 max_batch_size { value: 1 }', 'allowed_batch_sizes must be positive, got 0'],
    [
      'max_batch_size { value: 8 } allowed_batch_sizes: 4 allowed_batch_sizes: 2 allowed_batch_sizes: 8',
      'batching.config:1:52: allowed_batch_sizes entries must be monotonically increasing',
    ],
    ['allowed_batch_sizes: 4 allowed_batch_sizes: 4', 'allowed_batch_sizes entries must be monotonically increasing'],
    ['allowed_batch_sizes: 4 allowed_batch_sizes: 8', 'Last entry in allowed_batch_sizes must match max_batch_size; last entry was 8; expected 1000'],
    [
      'max_batch_size { value: 8 } allowed_batch_sizes: 8 enable_large_batch_splitting { value: true } max_execution_batch_size { value: 4 }',
      'Last entry in allowed_batch_sizes must be equal to max_execution_batch_size; last entry was 8; expected 4',
    ],
    ['max_batch_size { value: 1.5 }', 'max_batch_size must be an integer'],
    ['max_batch_size { value: 1 value: 2 }', 'value is specified more than once'],
    ['max_batch_size { val: 1 }', 'unknown field "val" (expected one of: value)'],
    ['enable_large_batch_splitting { value: yes }', 'enable_large_batch_splitting must be true or false'],
    ['batch_padding_policy: "PAD_UP"', 'batching.config:1:1: unknown field "batch_padding_policy"'],
    ['max_batch_size 8', 'batching.config:1:16: expected ":" or "{" after field name "max_batch_size", found "8"'],
  ])('rejects %j', (text, message) => {
    expect(errorOf(() => parse(text))).toContain(message);
  });

  it('names the JSON path in errors from model.json', () => {
    expect(errorOf(() => parseBatchingParameters({ max_batch_size: 'x' }, 'm/model.json: batching', defaults))).toBe(
      'm/model.json: batching: max_batch_size: max_batch_size must be an integer',
    );
  });
});
