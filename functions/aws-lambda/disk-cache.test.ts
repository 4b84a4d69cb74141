import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverVersions } from '../../core/repository/discovery.ts';
import { MemorySource } from '../../core/repository/memory-source.ts';
import type { ModelSource } from '../../core/repository/source.ts';
import { readVersion, sha256Hex } from '../../core/repository/version-files.ts';
import { nodeDiskTier } from '../../runtime/node/disk-tier.ts';
import { diskCached } from './disk-cache.ts';

/** A bucket-like source (manifest required) that records every path it was asked for. */
class RecordingSource extends MemorySource {
  readonly reads: string[] = [];
  constructor() {
    super('s3://bucket/models/m', true);
  }
  override async read(path: string): Promise<Uint8Array | null> {
    this.reads.push(path);
    return super.read(path);
  }
  async putVersion(dir: string, files: Record<string, Uint8Array>, listed = Object.keys(files)): Promise<void> {
    for (const [path, bytes] of Object.entries(files)) this.put(`${dir}/${path}`, bytes);
    const entries = await Promise.all(listed.map(async (path) => ({ path, size: files[path].byteLength, sha256: await sha256Hex(files[path]) })));
    this.put(`${dir}/manifest.json`, JSON.stringify({ files: entries }));
  }
}

let dir: string;
const model = (fill: number) => new Uint8Array(64).fill(fill);
const cached = (source: ModelSource) => {
  const store = nodeDiskTier({ root: dir, maxBytes: 10_000 });
  return { source: diskCached(source, store), store };
};
/** The kept files, relative to the tier's root: <location digest>/<version>/<path>. */
const kept = () => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
/** What the manager does to serve a version: discover it, then read it. */
const load = async (source: ModelSource) => {
  const versions = await discoverVersions(source);
  return readVersion(source, versions.get(Math.max(...versions.keys()))!);
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgeserve-disk-cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('diskCached', () => {
  it('reads each manifest once per module and answers the manager from it', async () => {
    const bucket = new RecordingSource();
    await bucket.putVersion('1', { 'model.onnx': model(1), 'labels.txt': new TextEncoder().encode('a\nb\n') });
    const { source, store } = cached(bucket);
    const files = await load(source);
    expect(files.model).toEqual(model(1));
    expect(files.labels).toEqual(['a', 'b']);
    expect(bucket.reads.sort()).toEqual(['1/labels.txt', '1/manifest.json', '1/model.onnx']);
    await store.idle();
    expect(kept().map((f) => f.split('/').slice(1).join('/')).sort()).toEqual(['1/labels.txt', '1/model.onnx']);
  });

  it('a re-initialised module reads listed files from disk, and only the manifest from storage', async () => {
    const bucket = new RecordingSource();
    await bucket.putVersion('1', { 'model.onnx': model(1), 'labels.txt': new TextEncoder().encode('a\n'), 'notes.txt': model(3) }, ['model.onnx', 'labels.txt']);
    const first = cached(bucket);
    await load(first.source);
    await first.store.idle();
    bucket.reads.length = 0;
    const second = cached(bucket).source;
    const files = await load(second);
    expect(files.model).toEqual(model(1));
    expect(files.labels).toEqual(['a']);
    expect(bucket.reads).toEqual(['1/manifest.json']);
    // A file the manifest does not list is never kept: it always comes from storage.
    expect(await second.read('1/notes.txt')).toEqual(model(3));
    expect(bucket.reads).toEqual(['1/manifest.json', '1/notes.txt']);
  });

  it('never serves a disk copy that the manifest does not vouch for', async () => {
    const bucket = new RecordingSource();
    await bucket.putVersion('1', { 'model.onnx': model(1) });
    const first = cached(bucket);
    await load(first.source);
    await first.store.idle();
    // The version was re-uploaded (against the rules) and the disk copy was torn: storage wins.
    await bucket.putVersion('1', { 'model.onnx': model(2) });
    writeFileSync(join(dir, kept().find((f) => f.endsWith('model.onnx'))!), model(9));
    bucket.reads.length = 0;
    expect((await load(cached(bucket).source)).model).toEqual(model(2));
    expect(bucket.reads.sort()).toEqual(['1/manifest.json', '1/model.onnx']);
  });

  it('passes listings, model.json and incomplete versions straight through', async () => {
    const bucket = new RecordingSource();
    await bucket.putVersion('1', { 'model.onnx': model(1) });
    bucket.put('2/model.onnx', model(2)); // uploading: no manifest yet
    bucket.put('model.json', '{"labels": {"stable": 1}}');
    const { source } = cached(bucket);
    expect((await source.list()).sort()).toEqual(['1', '2', 'model.json']);
    expect([...(await discoverVersions(source)).keys()]).toEqual([1]);
    expect(new TextDecoder().decode((await source.read('model.json'))!)).toContain('stable');
    bucket.put('model.json', '{"labels": {"stable": 2}}');
    expect(new TextDecoder().decode((await source.read('model.json'))!)).toContain('"stable": 2');
    // Version 2 completes later: its manifest is found once it exists.
    await bucket.putVersion('2', { 'model.onnx': model(2) });
    expect([...(await discoverVersions(source)).keys()].sort()).toEqual([1, 2]);
    expect((await readVersion(source, '2')).model).toEqual(model(2));
  });

  it('storage faults reach the manager unchanged', async () => {
    const bucket = new RecordingSource();
    await bucket.putVersion('1', { 'model.onnx': model(1) });
    const { source } = cached(bucket);
    bucket.down = true;
    await expect(source.read('1/model.onnx')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
