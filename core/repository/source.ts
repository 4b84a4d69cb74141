/**
 * A ModelSource is one model's folder in a repository (a local folder, an S3 or R2 prefix):
 *
 *   <base>/<version>/model.onnx       immutable once written
 *   <base>/<version>/manifest.json    written last; its presence means the version is complete
 *   <base>/<version>/labels.txt       optional class labels, one per line (for :classify)
 *   <base>/model.json                 optional: version policy, labels, batching
 *
 * The manager calls it from many concurrent requests; implementations hold no per-call state.
 * Failures to reach storage reject with ServingError UNAVAILABLE (or DEADLINE_EXCEEDED) and a
 * message that names the location but never a credential. Paths are relative to the base and
 * built by core from validated version numbers and fixed file names only; even so, read() of a
 * path that fails isSafeRelativePath (relative-path.ts: "..", ".", "/x", empty segments) returns
 * null without touching storage, and list() never shows entries of a sibling whose name extends
 * the base ("m2" next to "m"). Implementations: local folder (runtime/node/local-source.ts; on
 * Deno functions/deno/folder-source.ts), S3 (s3-source.ts), R2 binding (r2-source.ts), memory
 * (memory-source.ts); all pass test/storage/source-contract.ts.
 */
export interface ModelSource {
  /** Where the model lives, for logs and errors ("./models/classifier", "s3://bucket/prefix/m"). */
  readonly location: string;
  /**
   * Whether a version needs manifest.json to be served. Object stores say yes (uploads are not
   * atomic); a local folder says no, so TF-Serving-style folders work as they are.
   */
  readonly requiresManifest: boolean;
  /** Names of the entries directly under the base ("1", "00002", "model.json", ...). [] if none. */
  list(): Promise<string[]>;
  /** The bytes of a file under the base ("3/model.onnx"), or null when it does not exist. */
  read(path: string): Promise<Uint8Array | null>;
  /**
   * Optional, for the disk tier (disk-tier.ts): a file's bytes as a stream of chunks, so a large
   * external-data file goes to disk without being held whole in memory; null when it does not
   * exist. Same path rules and errors as read(); a stream cut short throws while iterating.
   */
  open?(path: string): Promise<AsyncIterable<Uint8Array> | null>;
  /** Optional: where a file already lies on local disk (a local folder), or null when unsafe. */
  localPath?(path: string): string | null;
}
