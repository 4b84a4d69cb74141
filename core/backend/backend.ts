import type { RunSignal } from '../deadline.ts';
import type { Signature, Tensor } from '../tensor/tensor.ts';
import type { SpanRecord } from '../trace/spans.ts';

/**
 * A backend turns model bytes into a runnable session. Implementations are leaves (onnxruntime-node,
 * onnxruntime-web) that only entry points import; core sees this port alone.
 *
 * Contract:
 * - load() validates the model; bytes that are not a loadable ONNX model reject with a
 *   ServingError (INVALID_ARGUMENT or FAILED_PRECONDITION) whose message says so. It takes
 *   model.onnx's bytes, or ModelFiles for a model whose weights live in external-data files
 *   (ONNX's protobuf cannot pass 2 GB, so big models ship as model.onnx + model.onnx.data or one
 *   file per tensor). ModelFiles.bytes is always model.onnx itself (the graph without those
 *   weights), so readers of the graph (onnx-graph.ts) never see the weights.
 * - opensFiles: the backend's runtime reads files itself (onnxruntime-node), so ModelFiles.path may
 *   be given instead of external bytes: the weights then never pass through JS memory. Backends
 *   without it (onnxruntime-web) always get every external file's bytes (its externalData option).
 * - Session.run() may be called concurrently; it rejects with a ServingError on bad inputs.
 *   It returns every output of the signature, keyed by name.
 * - release() frees native memory; no run is in flight when the manager calls it.
 */
export interface Backend {
  /** Short name shown in logs, metrics and the x-backend header: "onnxruntime-node", "wasm", ... */
  readonly name: string;
  /** See above: true when load() opens ModelFiles.path; then the manager puts external data on disk. */
  readonly opensFiles?: boolean;
  load(model: Uint8Array | ModelFiles): Promise<Session>;
}

/** A model and its external-data files, all verified against the version's manifest. */
export interface ModelFiles {
  /** model.onnx: the graph, with the weights that do not live in external data. */
  bytes: Uint8Array;
  /** The files model.onnx refers to (TensorProto.external_data "location"), by that location. */
  externalData: ExternalDataFile[];
  /** model.onnx on local disk, each external file at its location beside it; set only for opensFiles backends. */
  path?: string;
}

export interface ExternalDataFile {
  /** The location as model.onnx writes it, relative to model.onnx ("model.onnx.data"). */
  path: string;
  size: number;
  /** The bytes; absent only when ModelFiles.path is set (the file is on disk beside it). */
  data?: Uint8Array;
}

export interface Session {
  readonly signature: Signature;
  /** `context`: the request's deadline and signal, for sessions that wait on other work (a chain's steps, core/pipeline/chain.ts); a model session ignores it. */
  run(inputs: Record<string, Tensor>, context?: RunContext): Promise<Record<string, Tensor>>;
  release(): Promise<void>;
  /** Set on a chain (core/pipeline/chain.ts): it runs other models' servables, so it is never batched itself and never a step of another chain. */
  readonly chain?: true;
}

/** What a run may watch: the request's cancellation, and the ms left of its deadline (absent: none). */
export interface RunContext {
  signal?: RunSignal;
  timeLeft?: () => number;
  /**
   * The span the run records under (core/trace/spans.ts): the batcher or a direct run adds its
   * queue and run spans here, a pipeline its steps under the run's. Absent: nothing is recorded.
   */
  span?: SpanRecord;
}
