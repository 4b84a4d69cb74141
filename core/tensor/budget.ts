import { invalidArgument } from '../errors.ts';
import { elementCount, type DType, type TensorSpec } from './tensor.ts';

/**
 * What one request may make the server allocate for its input tensors, checked before anything
 * is allocated. TF Serving's "one value fills the shape" rule (and, in JSON, nothing at all) lets
 * a few bytes of body declare a gigabyte of tensor; the budget ties the total to the body limit.
 *
 * - shapeFitsSignature: a declared shape (binary predict) against the signature's: same rank,
 *   same size in every fixed dim (-1 is dynamic). An input of unknown rank (dims null) is not
 *   checked.
 * - TensorBudget.charge: the tensor's bytes (strings count 16 per element, the size of a JS
 *   string slot and header) against what is left of the request's limit.
 * Both throw INVALID_ARGUMENT naming the input: the caller's request is at fault.
 */

/** Default --max_tensor_bytes per byte of --max_body_bytes: above every encoding's legitimate expansion (8x, packed 1-byte int64). */
export const TENSOR_BYTES_PER_BODY_BYTE = 16;

/** --max_tensor_bytes when not given: 16 x the body limit (1 GiB at the default 64 MiB). */
export function defaultMaxTensorBytes(maxBodyBytes: number): number {
  return TENSOR_BYTES_PER_BODY_BYTE * maxBodyBytes;
}

const ITEM_BYTES: Record<DType, number> = {
  float32: 4, float64: 8, float16: 2, int8: 1, int16: 2, int32: 4, int64: 8, uint8: 1, uint16: 2, uint32: 4, uint64: 8, bool: 1, string: 16,
};

/** Bytes a tensor of this dtype and shape takes; 16 per element when the dtype is unknown. */
export function tensorBytes(dtype: DType | undefined, dims: readonly number[]): number {
  return elementCount(dims) * (dtype === undefined ? 16 : ITEM_BYTES[dtype]);
}

const shape = (dims: readonly number[]) => `[${dims.join(',')}]`;

export function shapeFitsSignature(name: string, dims: readonly number[], spec: TensorSpec): void {
  const expected = spec.dims;
  if (expected === null) return;
  if (dims.length !== expected.length) {
    throw invalidArgument(`input ${name}: tensor_shape ${shape(dims)} has rank ${dims.length}; the signature's ${shape(expected)} has rank ${expected.length}`);
  }
  if (dims.some((d, i) => expected[i] >= 0 && d !== expected[i])) {
    throw invalidArgument(`input ${name}: tensor_shape ${shape(dims)} does not match the signature's ${shape(expected)}`);
  }
}

export class TensorBudget {
  private used = 0;

  /** limit: bytes one request's inputs may take together (Infinity: unbounded). */
  constructor(readonly limit: number) {}

  charge(name: string, dtype: DType | undefined, dims: readonly number[]): void {
    const bytes = tensorBytes(dtype, dims);
    if (!(bytes <= this.limit - this.used)) {
      const others = this.used > 0 ? ` (${this.used} taken by other inputs)` : '';
      throw invalidArgument(
        `input ${name}: tensor_shape ${shape(dims)} needs ${bytes} bytes; one request may allocate ${this.limit} bytes in all${others} (--max_tensor_bytes)`,
      );
    }
    this.used += bytes;
  }
}

/** No bound: for callers (tests, tools) that do not serve requests. */
export const unbounded = () => new TensorBudget(Infinity);
