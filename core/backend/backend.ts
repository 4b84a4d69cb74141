import type { Signature, Tensor } from '../tensor/tensor.ts';

/**
 * A backend turns model bytes into a runnable session. Implementations are leaves (onnxruntime-node,
 * onnxruntime-web) that only entry points import; core sees this port alone.
 *
 * Contract:
 * - load() validates the bytes; bytes that are not a loadable ONNX model reject with a
 *   ServingError (INVALID_ARGUMENT or FAILED_PRECONDITION) whose message says so.
 * - Session.run() may be called concurrently; it rejects with a ServingError on bad inputs.
 *   It returns every output of the signature, keyed by name.
 * - release() frees native memory; no run is in flight when the manager calls it.
 */
export interface Backend {
  /** Short name shown in logs, metrics and the x-backend header: "onnxruntime-node", "wasm", ... */
  readonly name: string;
  load(bytes: Uint8Array): Promise<Session>;
}

export interface Session {
  readonly signature: Signature;
  run(inputs: Record<string, Tensor>): Promise<Record<string, Tensor>>;
  release(): Promise<void>;
}
