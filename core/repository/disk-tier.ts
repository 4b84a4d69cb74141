import type { ModelSource } from './source.ts';

/**
 * The disk tier port: puts a version's files in one folder on local disk so a backend that opens
 * files (onnxruntime-node) loads model.onnx by path and reads its external data beside it. Used by
 * readVersion only for models with external data. Implementation: runtime/node/disk-tier.ts
 * (Node, the container, Lambda's /tmp).
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
}

export interface DiskFile {
  /** Relative to the version folder: "model.onnx", "model.onnx.data", "weights/w0". */
  path: string;
  /** From the manifest; absent for a folder without one (then nothing is checked). */
  size?: number;
  sha256?: string;
}
