import type { ModelSource } from './source.ts';

/**
 * The disk tier port: puts a version's files in one folder on local disk so a backend that opens
 * files (onnxruntime-node) loads model.onnx by path and reads its external data beside it. Used by
 * readVersion for models with external data, and for large single-file models (placeSplit).
 * Implementation: runtime/node/disk-tier.ts (Node, the container, Lambda's /tmp).
 *
 * Contract:
 * - place() resolves to the local path of model.onnx, with every file of `files` at its path
 *   relative to it, each proven to match its size and sha256 when the entry gives them (the
 *   manifest's); a mismatch rejects with DATA_LOSS, a storage fault with UNAVAILABLE.
 * - Files are streamed to disk (ModelSource.open), never held whole in memory; a source already
 *   on disk (ModelSource.localPath) is used where it lies, after the same checks.
 * - Too little room (its byte budget or the free space of its disk) rejects with
 *   FAILED_PRECONDITION naming the bytes needed, before anything is downloaded.
 */
export interface DiskTier {
  place(source: ModelSource, dir: string, files: DiskFile[]): Promise<string>;
  /**
   * A single-file model.onnx of `minBytes` or more as a graph and its weights on disk: placed and
   * checked as place() does (`model`: its manifest entry, or just its path), then rewritten so its
   * weights lie in external data beside the graph (onnxruntime maps them instead of parsing and
   * copying them: a cold load holds them once). Resolves to the rewritten model, or null when
   * model.onnx is smaller or keeps weights in external data already (it is read as usual then).
   * The source's own files are never changed.
   */
  placeSplit(source: ModelSource, dir: string, model: DiskFile, minBytes: number): Promise<SplitModel | null>;
}

export interface SplitModel {
  /** The rewritten model.onnx on local disk. */
  path: string;
  /** Its bytes: the graph without the weights (small), for the checks that read the graph. */
  graph: Uint8Array;
  /** The weights file beside it, as model.onnx names it. */
  weights: { path: string; size: number };
}

export interface DiskFile {
  /** Relative to the version folder: "model.onnx", "model.onnx.data", "weights/w0". */
  path: string;
  /** From the manifest; absent for a folder without one (then nothing is checked). */
  size?: number;
  sha256?: string;
}
