import type { ModelFiles } from '../../core/backend/backend.ts';
import type { Signature, Tensor } from '../../core/tensor/tensor.ts';

/** Messages between onnxruntime-worker.ts (the server's thread) and ort-worker.ts (the worker). */
export type Request =
  | { id: number; op: 'load'; model: Uint8Array | ModelFiles }
  | { id: number; op: 'run'; session: number; inputs: Record<string, Tensor> }
  | { id: number; op: 'release'; session: number };

export type Reply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; code: string; message: string };

export interface Loaded {
  session: number;
  signature: Signature;
}

/**
 * The tensor with data that may be transferred (moved, not copied, to the other thread); its
 * buffer is pushed onto `transfer`. A view that owns its whole ArrayBuffer moves as it is; a
 * window into a bigger (or shared, or pooled) buffer is copied into a fresh one first, so the
 * rest of that buffer is neither cloned nor detached. Strings are structured-cloned.
 */
export function transferable(t: Tensor, transfer: ArrayBuffer[], { own }: { own: boolean }): Tensor;
export function transferable(t: Tensor, transfer: ArrayBuffer[]): Tensor;
export function transferable(t: Tensor, transfer: ArrayBuffer[], { own = true }: { own?: boolean } = {}): Tensor {
  const data = t.data;
  if (Array.isArray(data)) return t;
  const view = data as Exclude<Tensor['data'], string[]>;
  const whole = own && view.buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
  const moved = whole ? view : view.slice();
  transfer.push(moved.buffer as ArrayBuffer);
  return { dtype: t.dtype, dims: t.dims, data: moved };
}
