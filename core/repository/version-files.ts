import { ServingError, failedPrecondition } from '../errors.ts';
import type { ModelSource } from './source.ts';
import { isSafeRelativePath } from './relative-path.ts';

/**
 * Reads one version folder and proves it complete: with a manifest, every listed file must match
 * its size and sha256 (crypto.subtle, so it runs on every target); without one, only sources
 * that allow it (a local folder) may serve, and model.onnx must exist.
 */
export interface VersionFiles {
  model: Uint8Array;
  /** Class labels from labels.txt (one per line), or null when the version has none. */
  labels: string[] | null;
  /** warmup.json's bytes (core/manager/warmup.ts), or null when the version has none. */
  warmup: Uint8Array | null;
  /** TF Serving's assets.extra/tf_serving_warmup_requests (TFRecord), or null when absent. */
  tfWarmup: Uint8Array | null;
}

export interface Manifest {
  files: { path: string; size: number; sha256: string }[];
}

export const MODEL_FILE = 'model.onnx';
export const MANIFEST_FILE = 'manifest.json';
export const LABELS_FILE = 'labels.txt';
export const WARMUP_FILE = 'warmup.json';
export const TF_WARMUP_FILE = 'assets.extra/tf_serving_warmup_requests';

/** Lower-case hex SHA-256 of some bytes. */
export type Sha256 = (bytes: Uint8Array) => Promise<string>;

export interface ReadOptions {
  /**
   * Sees the version's size before its model bytes are read when a manifest declares it (the sum
   * of the listed files), else the size of model.onnx once read; it throws to refuse the version
   * (a target's model size limit), so an oversize model is never downloaded.
   */
  checkSize?: (bytes: number) => void;
  /** Default: WebCrypto (every target); Node passes node:crypto, about twice as fast on big models. */
  sha256?: Sha256;
}

export async function readVersion(source: ModelSource, dir: string, { checkSize, sha256 = sha256Hex }: ReadOptions = {}): Promise<VersionFiles> {
  const manifestBytes = await source.read(`${dir}/${MANIFEST_FILE}`);
  if (!manifestBytes && source.requiresManifest) {
    throw failedPrecondition(`Version ${dir} of ${source.location} has no ${MANIFEST_FILE}; it is incomplete`);
  }
  const manifest = manifestBytes && parseManifest(manifestBytes, `${source.location}/${dir}/${MANIFEST_FILE}`);
  if (manifest) checkSize?.(manifest.files.reduce((sum, f) => sum + f.size, 0));
  const model = await source.read(`${dir}/${MODEL_FILE}`);
  if (!model) throw failedPrecondition(`Version ${dir} of ${source.location} has no ${MODEL_FILE}`);
  if (!manifest) checkSize?.(model.byteLength);
  // With a manifest, only the files it lists (verified) are used: an unlisted labels.txt is ignored.
  let labelBytes: Uint8Array | null = null;
  let warmup: Uint8Array | null = null;
  let tfWarmup: Uint8Array | null = null;
  if (manifest) {
    for (const entry of manifest.files) {
      const bytes = entry.path === MODEL_FILE ? model : await source.read(`${dir}/${entry.path}`);
      await verify(bytes, entry, `${source.location}/${dir}`, sha256);
      if (entry.path === LABELS_FILE) labelBytes = bytes;
      if (entry.path === WARMUP_FILE) warmup = bytes;
      if (entry.path === TF_WARMUP_FILE) tfWarmup = bytes;
    }
  } else {
    labelBytes = await source.read(`${dir}/${LABELS_FILE}`);
    warmup = await source.read(`${dir}/${WARMUP_FILE}`);
    tfWarmup = await source.read(`${dir}/${TF_WARMUP_FILE}`);
  }
  return { model, labels: labelBytes ? parseLabels(labelBytes) : null, warmup, tfWarmup };
}

export function parseManifest(bytes: Uint8Array, where: string): Manifest {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw dataLoss(`${where} is not valid JSON`);
  }
  const files = (doc as Manifest | null)?.files;
  const valid =
    Array.isArray(files) &&
    files.length > 0 &&
    files.every(
      (f) =>
        typeof f?.path === 'string' &&
        isSafeRelativePath(f.path) &&
        Number.isSafeInteger(f.size) &&
        f.size >= 0 &&
        typeof f.sha256 === 'string' &&
        /^[0-9a-f]{64}$/i.test(f.sha256),
    );
  if (!valid) throw dataLoss(`${where} must be {"files":[{"path","size","sha256"}, ...]} with relative paths`);
  return { files };
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function verify(bytes: Uint8Array | null, entry: Manifest['files'][number], where: string, sha256: Sha256): Promise<void> {
  if (!bytes) throw dataLoss(`${where}/${entry.path} is listed in the manifest but missing`);
  if (bytes.byteLength !== entry.size) {
    throw dataLoss(`${where}/${entry.path} has ${bytes.byteLength} bytes, the manifest says ${entry.size}`);
  }
  if ((await sha256(bytes)) !== entry.sha256.toLowerCase()) {
    throw dataLoss(`${where}/${entry.path} does not match its sha256 in the manifest`);
  }
}

function parseLabels(bytes: Uint8Array): string[] {
  const lines = new TextDecoder().decode(bytes).split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const dataLoss = (message: string) => new ServingError('DATA_LOSS', message);
