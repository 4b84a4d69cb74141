import type { BatchAxes } from './batch-axes.ts';
import { ConfigError } from './config-error.ts';
import { parseTextOrJson } from './text-format.ts';
import { type TextField, type TextMessage, asBool, asInt, messageFromJson, unwrapValue } from './text-message.ts';

/**
 * TF Serving's BatchingParameters, resolved: every field has a value (TF's default where unset).
 * Read by the batcher, one queue per servable. Invariants (checked by the parser): counts are
 * positive, batchTimeoutMicros >= 0; allowedBatchSizes is empty or strictly increasing and ends
 * at maxBatchSize (and at maxExecutionBatchSize when splitting); maxExecutionBatchSize equals
 * maxBatchSize unless enableLargeBatchSplitting is on.
 */
export interface BatchingParameters {
  /** Max total rows (sum of 0-th dims) in one batch; a larger request fails unless splitting is on. */
  maxBatchSize: number;
  /** Max wait of the oldest queued request before an under-full batch runs. */
  batchTimeoutMicros: number;
  /** Queue bound, in batches; when full, new requests fail UNAVAILABLE. */
  maxEnqueuedBatches: number;
  /** Batches run in parallel (one pool shared by every model). */
  numBatchThreads: number;
  /** Batches are padded up to the next of these sizes; empty = any size. */
  allowedBatchSizes: number[];
  /** Split requests larger than maxExecutionBatchSize across batches. */
  enableLargeBatchSplitting: boolean;
  /** Max rows per executed batch when splitting. */
  maxExecutionBatchSize: number;
  /** Pad non-batch dims of inputs to the batch's max, using each tensor's first element. */
  padVariableLengthInputs: boolean;
  /** A model's declared batch axes (model.json only; config/batch-axes.ts); absent: axis 0 everywhere. */
  batchAxes?: BatchAxes;
}

/** Defaults core cannot know: the entry point passes the number of schedulable CPUs. */
export interface BatchingDefaults {
  numBatchThreads: number;
}

const KNOWN_FIELDS = [
  'max_batch_size',
  'batch_timeout_micros',
  'max_enqueued_batches',
  'num_batch_threads',
  'thread_pool_name', // accepted so TF Serving files load; there is one pool
  'allowed_batch_sizes',
  'pad_variable_length_inputs',
  'enable_large_batch_splitting',
  'max_execution_batch_size',
];

/** TF Serving's values with --enable_batching and no --batching_parameters_file. */
export function defaultBatchingParameters(defaults: BatchingDefaults): BatchingParameters {
  return parseBatchingParameters('', 'default batching parameters', defaults);
}

/**
 * Parses BatchingParameters from TF Serving's text format (wrapper fields: `max_batch_size
 * { value: 128 }`), from proto3 JSON text (starts with `{`), or from an already-parsed JSON object
 * (model.json's batching section: snake_case keys with plain values). `source` names the file in
 * errors. Throws ConfigError on syntax errors, unknown fields and invalid values.
 */
export function parseBatchingParameters(input: string | object, source: string, defaults: BatchingDefaults): BatchingParameters {
  const msg: TextMessage = typeof input === 'string' ? parseTextOrJson(input, source) : messageFromJson(input, source);
  msg.expectOnly(KNOWN_FIELDS);
  const wrapped = (name: string) => {
    const field = msg.field(name);
    return field && unwrapValue(field);
  };
  const count = (name: string, fallback: number, min = 1) => {
    const field = wrapped(name);
    return field ? atLeast(field, min) : fallback;
  };
  const maxBatchSize = count('max_batch_size', 1000);
  const splitting = wrapped('enable_large_batch_splitting');
  const enableLargeBatchSplitting = splitting ? asBool(splitting) : false;
  const maxExecutionBatchSize = count('max_execution_batch_size', maxBatchSize);
  const padding = msg.field('pad_variable_length_inputs');
  const params: BatchingParameters = {
    maxBatchSize,
    batchTimeoutMicros: count('batch_timeout_micros', 0, 0),
    maxEnqueuedBatches: count('max_enqueued_batches', 10),
    numBatchThreads: count('num_batch_threads', defaults.numBatchThreads),
    allowedBatchSizes: msg.repeated('allowed_batch_sizes').map((f) => atLeast(f, 1)),
    enableLargeBatchSplitting,
    maxExecutionBatchSize: enableLargeBatchSplitting ? maxExecutionBatchSize : maxBatchSize,
    padVariableLengthInputs: padding ? asBool(padding) : false,
  };
  checkAllowedSizes(params, msg.repeated('allowed_batch_sizes'));
  return params;
}

function atLeast(field: TextField, min: number): number {
  const n = asInt(field);
  if (n < min) throw new ConfigError(`${field.where}: ${field.name} must be ${min === 0 ? 'zero or more' : 'positive'}, got ${n}`);
  return n;
}

/** TF Serving's checks, with its messages; errors point at the offending allowed_batch_sizes entry. */
function checkAllowedSizes(p: BatchingParameters, fields: TextField[]): void {
  const sizes = p.allowedBatchSizes;
  const bad = sizes.findIndex((size, i) => i > 0 && size <= sizes[i - 1]);
  if (bad > 0) throw new ConfigError(`${fields[bad].where}: allowed_batch_sizes entries must be monotonically increasing`);
  const last = sizes.at(-1);
  if (last === undefined) return;
  const where = fields[fields.length - 1].where;
  if (last !== p.maxBatchSize) {
    throw new ConfigError(`${where}: Last entry in allowed_batch_sizes must match max_batch_size; last entry was ${last}; expected ${p.maxBatchSize}`);
  }
  if (last !== p.maxExecutionBatchSize) {
    throw new ConfigError(
      `${where}: Last entry in allowed_batch_sizes must be equal to max_execution_batch_size; last entry was ${last}; expected ${p.maxExecutionBatchSize}`,
    );
  }
}
