import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, statfs, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ServingError, failedPrecondition, unavailable } from '../../core/errors.ts';
import type { DiskFile, DiskTier, SplitModel } from '../../core/repository/disk-tier.ts';
import type { ModelSource } from '../../core/repository/source.ts';
import { MODEL_FILE } from '../../core/repository/version-files.ts';
import { splitWeights } from './onnx-split.ts';

/**
 * The disk tier on Node (the CLI server, the container, Lambda's /tmp): models with external data
 * are loaded by onnxruntime-node from a folder, so the weights never pass through JS memory; a
 * large single-file model is split into its graph and its weights in <version folder>/split/
 * (onnx-split.ts), so onnxruntime maps them too (placeSplit).
 *
 * - A local folder (source.localPath) is used where it lies: each manifest entry is hashed from
 *   disk, nothing is copied.
 * - Any other source is streamed (source.open; read() when a source has no stream) into
 *   <root>/<location digest>/<version>/, each file hashed as it is written to a temporary name and
 *   renamed only when its size and sha256 match the manifest. A folder placed before is reused
 *   after the same check from disk (a torn or altered file is downloaded again).
 * - Room: before downloading, the bytes still missing must fit maxBytes (when set) and the free
 *   space of the disk (statfs: on Lambda, its ephemeral storage); folders of other versions are
 *   removed, least recently placed first, until they do. Otherwise FAILED_PRECONDITION naming the
 *   bytes, plus `roomAdvice`. onnxruntime has read a loaded session's weights by then (or maps
 *   them, which survives the unlink on Linux), so removing a folder never breaks a served version.
 * - As a cache of remote versions (Lambda's /tmp: functions/aws-lambda/disk-cache.ts), in the same
 *   folders and budget: read() gives back a file only after its size and sha256 match the
 *   manifest entry (a bad copy is removed and reads as a miss), and marks its folder used; keep()
 *   writes a file the caller already read from storage, in the background, one at a time, making
 *   room first (a file that cannot fit is not kept), to a temporary name then renamed. It does not
 *   hash (read() checks on the way out). Disk errors in keep() are logged and never fail a request.
 */
export interface NodeDiskTierOptions {
  root: string;
  maxBytes?: number;
  /** Appended to the out-of-room error ("raise the function's ephemeral storage"). */
  roomAdvice?: string;
  log?: (message: string) => void;
  /** Milliseconds since the epoch, stamped on a placed folder (its recency); injected by tests. */
  now?: () => number;
}

export interface NodeDiskTier extends DiskTier {
  /** A version's file from disk, proven to match its manifest entry; null when absent or bad. */
  read(source: ModelSource, dir: string, file: Required<DiskFile>): Promise<Uint8Array | null>;
  /** Keeps a version's file read from storage (in the background: the returned promise never rejects). */
  keep(source: ModelSource, dir: string, path: string, bytes: Uint8Array): Promise<void>;
  /** Resolves once every keep() so far is on disk or given up. */
  idle(): Promise<void>;
}

export function nodeDiskTier(options: NodeDiskTierOptions): NodeDiskTier {
  const inFlight = new Map<string, Promise<string>>();
  const folderOf = (source: ModelSource, dir: string) => join(options.root, createHash('sha256').update(source.location).digest('hex').slice(0, 16), dir);
  let writes: Promise<void> = Promise.resolve();
  return {
    async read(source, dir, file) {
      const folder = folderOf(source, dir);
      const path = join(folder, file.path);
      const found = await fileCheck(path, file);
      if (found === 'missing') return null;
      if (found === 'bad') {
        options.log?.(`edgeserve: disk tier: ${path} failed its check against the manifest; removed`);
        await rm(path, { force: true }).catch(() => {});
        return null;
      }
      await touch(folder, options);
      const buf = await readFile(path);
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    },
    keep(source, dir, path, bytes) {
      writes = writes.then(() => keepFile(source, folderOf(source, dir), path, bytes, options));
      return writes;
    },
    idle: () => writes,
    async placeSplit(source, dir, model, minBytes) {
      const local = source.localPath?.(dir);
      const size = local ? (await stat(join(local, MODEL_FILE)).catch(() => null))?.size : model.size;
      if (size === undefined || size < minBytes) return null;
      const original = await this.place(source, dir, [model]);
      return split(original, join(folderOf(source, dir), 'split'), model.sha256 ?? `${size}:${(await stat(original)).mtimeMs}`, size, `${source.location}/${dir}`, options);
    },
    place(source, dir, files) {
      const local = source.localPath?.(dir);
      if (local) return verifyInPlace(local, files, source.location);
      const folder = folderOf(source, dir);
      let work = inFlight.get(folder);
      if (!work) {
        work = download(source, dir, folder, files, options).finally(() => inFlight.delete(folder));
        inFlight.set(folder, work);
      }
      return work;
    },
  };
}

async function verifyInPlace(folder: string, files: DiskFile[], location: string): Promise<string> {
  for (const f of files) {
    const path = join(folder, f.path);
    const found = await fileCheck(path, f);
    if (found === 'missing') throw failedPrecondition(`${location}: ${f.path} is missing`);
    if (found === 'bad') throw dataLoss(`${location}: ${f.path} does not match its size and sha256 in the manifest`);
  }
  return join(folder, MODEL_FILE);
}

async function download(source: ModelSource, dir: string, folder: string, files: DiskFile[], options: NodeDiskTierOptions): Promise<string> {
  const where = `${source.location}/${dir}`;
  const missing: DiskFile[] = [];
  for (const f of files) if ((await fileCheck(join(folder, f.path), f)) !== 'ok') missing.push(f);
  const needed = missing.reduce((sum, f) => sum + (f.size ?? 0), 0);
  await makeRoom(options, folder, needed, where);
  for (const f of missing) await fetchFile(source, dir, join(folder, f.path), f, where);
  await touch(folder, options);
  if (missing.length > 0) options.log?.(`edgeserve: disk tier: ${where}: ${missing.length} file(s), ${needed} bytes, in ${folder}`);
  return join(folder, MODEL_FILE);
}

/**
 * The split of `original` in `folder` (onnx-split.ts): reused when its stamp names the same
 * original (its sha256, or its size and time for a folder without a manifest), else made anew
 * under temporary names, the stamp written last.
 */
async function split(original: string, folder: string, stamp: string, size: number, where: string, options: NodeDiskTierOptions): Promise<SplitModel | null> {
  const model = join(folder, MODEL_FILE);
  const weights = join(folder, SPLIT_WEIGHTS);
  if ((await readFile(join(folder, 'stamp'), 'utf8').catch(() => null)) === stamp) {
    const graph = await readFile(model);
    return { path: model, graph: new Uint8Array(graph.buffer, graph.byteOffset, graph.byteLength), weights: { path: SPLIT_WEIGHTS, size: (await stat(weights)).size } };
  }
  await rm(folder, { recursive: true, force: true });
  await makeRoom(options, dirname(folder), size, where);
  await mkdir(folder, { recursive: true });
  const graph = await splitWeights(original, `${model}.partial`, `${weights}.partial`, SPLIT_WEIGHTS).catch((err) => {
    throw new ServingError('INVALID_ARGUMENT', `Could not load the model as ONNX: ${where}/${MODEL_FILE}: ${(err as Error).message}`);
  });
  if (!graph) {
    await rm(folder, { recursive: true, force: true });
    return null;
  }
  await rename(`${weights}.partial`, weights);
  await rename(`${model}.partial`, model);
  await writeFile(join(folder, 'stamp'), stamp);
  options.log?.(`edgeserve: disk tier: ${where}: model.onnx split into its graph and ${SPLIT_WEIGHTS} in ${folder}`);
  return { path: model, graph, weights: { path: SPLIT_WEIGHTS, size: (await stat(weights)).size } };
}

/** The weights file of a split model (beside its graph, model.onnx). */
const SPLIT_WEIGHTS = 'model.onnx.weights';

async function keepFile(source: ModelSource, folder: string, path: string, bytes: Uint8Array, options: NodeDiskTierOptions): Promise<void> {
  const target = join(folder, path);
  const temp = `${target}.partial-${process.pid}`;
  try {
    if ((await stat(target).catch(() => null))?.size === bytes.byteLength) return;
    if (options.maxBytes !== undefined && bytes.byteLength > options.maxBytes) return;
    await makeRoom(options, folder, bytes.byteLength, `${source.location}/${path}`);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(temp, bytes);
    await rename(temp, target);
    await touch(folder, options);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => {});
    const why = err instanceof ServingError ? err.message : ((err as NodeJS.ErrnoException).code ?? 'I/O error');
    options.log?.(`edgeserve: disk tier: not keeping ${target}: ${why}`);
  }
}

/** Marks a version folder used now: the least recently used go first when room is needed. */
async function touch(folder: string, options: NodeDiskTierOptions): Promise<void> {
  const now = (options.now ?? Date.now)() / 1000;
  await utimes(folder, now, now).catch(() => {});
}

/** 'ok': present and matching the entry (size and sha256 when it gives them); no entry data: present. */
async function fileCheck(path: string, f: DiskFile): Promise<'ok' | 'missing' | 'bad'> {
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) return 'missing';
  if (f.size !== undefined && info.size !== f.size) return 'bad';
  if (f.sha256 === undefined) return 'ok';
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex') === f.sha256.toLowerCase() ? 'ok' : 'bad';
}

async function fetchFile(source: ModelSource, dir: string, path: string, f: DiskFile, where: string): Promise<void> {
  const chunks = source.open ? await source.open(`${dir}/${f.path}`) : await readAll(source, `${dir}/${f.path}`);
  if (!chunks) throw dataLoss(`${where}/${f.path} is listed in the manifest but missing`);
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.partial-${process.pid}`;
  const hash = createHash('sha256');
  let size = 0;
  const file = await open(temp, 'w').catch((err) => {
    throw unavailable(`disk tier: cannot write ${temp}: ${(err as NodeJS.ErrnoException).code ?? 'I/O error'}`);
  });
  try {
    for await (const chunk of chunks) {
      hash.update(chunk);
      size += chunk.byteLength;
      await file.write(chunk);
    }
    await file.close();
    if (f.size !== undefined && size !== f.size) throw dataLoss(`${where}/${f.path} has ${size} bytes, the manifest says ${f.size}`);
    if (f.sha256 !== undefined && hash.digest('hex') !== f.sha256.toLowerCase()) throw dataLoss(`${where}/${f.path} does not match its sha256 in the manifest`);
    await rename(temp, path);
  } catch (err) {
    await file.close().catch(() => {});
    await rm(temp, { force: true });
    if (err instanceof ServingError) throw err;
    throw unavailable(`disk tier: cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? 'I/O error'}`);
  }
}

async function readAll(source: ModelSource, path: string): Promise<AsyncIterable<Uint8Array> | null> {
  const bytes = await source.read(path);
  if (!bytes) return null;
  return (async function* () {
    yield bytes;
  })();
}

/** Removes other versions' folders, least recently placed first, until `needed` bytes fit. */
async function makeRoom(options: NodeDiskTierOptions, keep: string, needed: number, where: string): Promise<void> {
  await mkdir(options.root, { recursive: true });
  const others = (await versionFolders(options.root)).filter((v) => v.path !== keep).sort((a, b) => a.usedMs - b.usedMs);
  const fits = async () => {
    const fs = await statfs(options.root);
    const free = fs.bavail * fs.bsize;
    const used = others.reduce((sum, v) => sum + v.bytes, 0) + (await folderBytes(keep));
    return { free, ok: needed <= free && (options.maxBytes === undefined || used + needed <= options.maxBytes) };
  };
  let room = await fits();
  while (!room.ok && others.length > 0) {
    const victim = others.shift()!;
    await rm(victim.path, { recursive: true, force: true });
    options.log?.(`edgeserve: disk tier: removed ${victim.path} (${victim.bytes} bytes) to make room for ${where}`);
    room = await fits();
  }
  if (room.ok) return;
  const budget = options.maxBytes === undefined ? '' : ` (disk tier budget ${options.maxBytes} bytes)`;
  const advice = options.roomAdvice ? `: ${options.roomAdvice}` : '';
  throw failedPrecondition(`${where} needs ${needed} bytes on local disk in ${options.root}, ${room.free} free${budget}${advice}`);
}

async function versionFolders(root: string): Promise<{ path: string; bytes: number; usedMs: number }[]> {
  const out = [];
  for (const location of await readdir(root).catch(() => [])) {
    for (const version of await readdir(join(root, location)).catch(() => [])) {
      const path = join(root, location, version);
      const info = await stat(path).catch(() => null);
      if (info?.isDirectory()) out.push({ path, bytes: await folderBytes(path), usedMs: info.mtimeMs });
    }
  }
  return out;
}

async function folderBytes(path: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(path, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

const dataLoss = (message: string) => new ServingError('DATA_LOSS', message);
