import { ConfigError } from './config-error.ts';

/**
 * A model's batch axes, declared in model.json's batching section (`"batch_axes": {"h": 1,
 * "sr": "shared"}`), keyed by input or output name:
 *   a number k >= 0   the batch runs along axis k of that tensor (concatenated and split there);
 *   "shared"          (inputs only) not batched: requests merge only when their values are equal,
 *                     and the batch runs with that one value.
 * Names not listed batch on axis 0. The batcher checks the declaration against the graph at load
 * (core/batcher/batchability.ts).
 */
export type BatchAxes = Record<string, number | 'shared'>;

export function readBatchAxes(value: unknown, where: string): BatchAxes {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`${where}: must be a JSON object`);
  const axes: BatchAxes = {};
  for (const [name, axis] of Object.entries(value)) {
    if (axis !== 'shared' && !(typeof axis === 'number' && Number.isSafeInteger(axis) && axis >= 0)) {
      throw new ConfigError(`${where}.${name}: must be an axis number (0, 1, ...) or "shared", got ${JSON.stringify(axis)}`);
    }
    Object.defineProperty(axes, name, { value: axis, enumerable: true, writable: true, configurable: true });
  }
  return axes;
}
