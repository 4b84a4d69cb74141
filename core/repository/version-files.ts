import type { ExternalDataFile } from '../backend/backend.ts';
import { ServingError, failedPrecondition } from '../errors.ts';
import type { DiskFile, DiskTier } from './disk-tier.ts';
import { externalDataLocations } from './external-data.ts';
import type { ModelSource } from './source.ts';
import { isSafeRelativePath } from './relative-path.ts';

/**
 * Reads one version folder and proves it complete: with a manifest, every listed file must match
 * its size and sha256 (crypto.subtle, so it runs on every target); without one, only sources
 * that allow it (a local folder) may serve, and model.onnx must exist.
 *
 * External data (weights in files beside model.onnx, external-data.ts finds them): with a manifest
 * each such file must be listed in it. With `disk` (a backend that opens files) they are put on
 * disk (disk-tier.ts: streamed, verified) and never read here; without it they are read and
 * verified like any listed file, and handed on in memory (onnxruntime-web's externalData). With
 * `disk`, a single-file model of SPLIT_MIN_BYTES or more goes to disk too, split into its graph
 * (read here) and its weights (never read here).
 */
export interface VersionFiles {
  /** model.onnx: the graph (and the weights that are not external). */
  model: Uint8Array;
  /** Class labels from labels.txt (one per line), or null when the version has none. */
  labels: string[] | null;
  /** Only for models with external data: its files (with bytes unless `path` is set). */
  externalData?: ExternalDataFile[];
  /** Only with `disk`: model.onnx on local disk, its external files beside it. */
  path?: string;
  /** warmup.json's bytes (core/manager/warmup.ts), or null when the version has none. */
  warmup: Uint8Array | null;
  /** TF Serving's assets.extra/tf_serving_warmup_requests (TFRecord), or null when absent. */
  tfWarmup: Uint8Array | null;
  /** pipeline.json's bytes (core/pipeline/declaration.ts), or null when the version has none. */
  pipeline: Uint8Array | null;
  /** The files a pipeline may use (PIPELINE_ASSETS) that the version has, by name. */
  assets: Map<string, Uint8Array>;
}

export interface Manifest {
  files: { path: string; size: number; sha256: string }[];
}

export const MODEL_FILE = 'model.onnx';
export const MANIFEST_FILE = 'manifest.json';
export const LABELS_FILE = 'labels.txt';
export const WARMUP_FILE = 'warmup.json';
export const TF_WARMUP_FILE = 'assets.extra/tf_serving_warmup_requests';
export const PIPELINE_FILE = 'pipeline.json';
/** Files a pipeline.json may use: a Hugging Face tokenizer and its config, CTC's character list. */
export const PIPELINE_ASSETS = ['tokenizer.json', 'tokenizer_config.json', 'characters.txt'];

/**
 * From this size up, a backend that opens files gets a single-file model split into a graph and
 * its weights on disk (DiskTier.placeSplit) instead of its bytes: onnxruntime then maps the weights
 * rather than holding them in its parsed protobuf and again in its tensors, beside the bytes JS
 * read (3.0x the model at the peak of a cold load, against 1.0x: bench/cold-load-memory.ts).
 */
export const SPLIT_MIN_BYTES = 64 * 1024 * 1024;

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
  /** Where models with external data go for a backend that opens files; unset: read into memory. */
  disk?: DiskTier;
  /** With `disk`: the size from which a single-file model is split onto disk; default SPLIT_MIN_BYTES. */
  splitMinBytes?: number;
}

export async function readVersion(source: ModelSource, dir: string, { checkSize, sha256 = sha256Hex, disk, splitMinBytes = SPLIT_MIN_BYTES }: ReadOptions = {}): Promise<VersionFiles> {
  const manifestBytes = await source.read(`${dir}/${MANIFEST_FILE}`);
  if (!manifestBytes && source.requiresManifest) {
    throw failedPrecondition(`Version ${dir} of ${source.location} has no ${MANIFEST_FILE}; it is incomplete`);
  }
  const manifest = manifestBytes && parseManifest(manifestBytes, `${source.location}/${dir}/${MANIFEST_FILE}`);
  if (manifest) checkSize?.(manifest.files.reduce((sum, f) => sum + f.size, 0));
  const modelEntry = manifest?.files.find((f) => f.path === MODEL_FILE);
  const split = disk ? await disk.placeSplit(source, dir, modelEntry ?? { path: MODEL_FILE }, splitMinBytes) : null;
  const model = split ? split.graph : await source.read(`${dir}/${MODEL_FILE}`);
  if (!model) throw failedPrecondition(`Version ${dir} of ${source.location} has no ${MODEL_FILE}`);
  if (!manifest) checkSize?.(model.byteLength + (split?.weights.size ?? 0));
  const where = `${source.location}/${dir}`;
  // A split model's only external file is the tier's own weights file; the tier checked the original.
  const external = split ? [] : externalFiles(model, manifest, where);
  const onDisk = external.length > 0 && disk !== undefined;
  // With a manifest, only the files it lists (verified) are used: an unlisted labels.txt is ignored.
  let labelBytes: Uint8Array | null = null;
  const data = new Map<string, Uint8Array>();
  let warmup: Uint8Array | null = null;
  let tfWarmup: Uint8Array | null = null;
  let pipeline: Uint8Array | null = null;
  const assets = new Map<string, Uint8Array>();
  if (manifest) {
    for (const entry of manifest.files) {
      if (entry.path === MODEL_FILE && !split) await verify(model, entry, where, sha256);
      if (entry.path === MODEL_FILE || (onDisk && external.some((f) => f.path === entry.path))) continue;
      const bytes = await source.read(`${dir}/${entry.path}`);
      await verify(bytes, entry, where, sha256);
      if (entry.path === LABELS_FILE) labelBytes = bytes;
      if (entry.path === WARMUP_FILE) warmup = bytes;
      if (entry.path === TF_WARMUP_FILE) tfWarmup = bytes;
      if (entry.path === PIPELINE_FILE) pipeline = bytes;
      if (PIPELINE_ASSETS.includes(entry.path)) assets.set(entry.path, bytes!);
      if (external.some((f) => f.path === entry.path)) data.set(entry.path, bytes!);
    }
  } else {
    labelBytes = await source.read(`${dir}/${LABELS_FILE}`);
    warmup = await source.read(`${dir}/${WARMUP_FILE}`);
    tfWarmup = await source.read(`${dir}/${TF_WARMUP_FILE}`);
    pipeline = await source.read(`${dir}/${PIPELINE_FILE}`);
    if (pipeline) {
      for (const name of PIPELINE_ASSETS) {
        const bytes = await source.read(`${dir}/${name}`);
        if (bytes) assets.set(name, bytes);
      }
    }
    if (!onDisk) for (const f of external) data.set(f.path, await readUnlisted(source, dir, f.path, where));
  }
  const files: VersionFiles = { model, labels: labelBytes ? parseLabels(labelBytes) : null, warmup, tfWarmup, pipeline, assets };
  if (split) return { ...files, path: split.path, externalData: [split.weights] };
  // A model already on local disk is opened where it lies by a backend that opens files: faster
  // than handing it the bytes (onnxruntime-node: 111 against 217 ms for 33 MB), and no copy.
  const local = disk && external.length === 0 ? source.localPath?.(`${dir}/${MODEL_FILE}`) : null;
  if (local) return { ...files, path: local, externalData: [] };
  if (external.length === 0) return files;
  if (onDisk) files.path = await disk.place(source, dir, [modelEntry ?? { path: MODEL_FILE }, ...external]);
  files.externalData = external.map((f) => {
    const bytes = data.get(f.path);
    return { path: f.path, size: f.size ?? bytes?.byteLength ?? 0, ...(bytes && { data: bytes }) };
  });
  return files;
}

/** The external-data files model.onnx names, with their manifest entries (DATA_LOSS if unlisted). */
function externalFiles(model: Uint8Array, manifest: Manifest | null, where: string): DiskFile[] {
  return externalDataLocations(model).map((path) => {
    if (!isSafeRelativePath(path)) throw dataLoss(`${where}/${MODEL_FILE} refers to external data at ${JSON.stringify(path)}, outside its folder`);
    if (!manifest) return { path };
    const entry = manifest.files.find((f) => f.path === path);
    if (!entry) throw dataLoss(`${where}/${MODEL_FILE} refers to external data ${path}, which ${MANIFEST_FILE} does not list`);
    return entry;
  });
}

async function readUnlisted(source: ModelSource, dir: string, path: string, where: string): Promise<Uint8Array> {
  const bytes = await source.read(`${dir}/${path}`);
  if (!bytes) throw failedPrecondition(`${where}/${MODEL_FILE} refers to external data ${path}, which is missing`);
  return bytes;
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
