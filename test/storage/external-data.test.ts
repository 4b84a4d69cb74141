import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { DiskTier } from '../../core/repository/disk-tier.ts';
import { MemorySource } from '../../core/repository/memory-source.ts';
import type { ModelSource } from '../../core/repository/source.ts';
import { readVersion } from '../../core/repository/version-files.ts';
import { nodeDiskTier } from '../../runtime/node/disk-tier.ts';
import { localSource } from '../../runtime/node/local-source.ts';
import * as ort from 'onnxruntime-node';
import { externalize, graph, mlpSpec } from '../fixtures/onnx-writer.ts';

// readVersion with external data (which files, verified how, in memory or on disk) and the Node
// disk tier (streamed, checked, reused, room).
const { model, files } = externalize(mlpSpec({ layers: [8, 64, 4] }));
const data = files.get('model.onnx.data')!;
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const manifest = (entries: [string, Uint8Array][]) => JSON.stringify({ files: entries.map(([path, b]) => ({ path, size: b.byteLength, sha256: sha(b) })) });

const root = mkdtempSync(join(tmpdir(), 'edgeserve-tier-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A manifest-required source over memory that streams in small chunks and counts whole reads. */
function objectStore(version = '1', body = data) {
  const source = new MemorySource('s3://b/m', true)
    .put(`${version}/model.onnx`, model)
    .put(`${version}/model.onnx.data`, body)
    .put(`${version}/manifest.json`, manifest([['model.onnx', model], ['model.onnx.data', data]]));
  const whole: string[] = [];
  const store: ModelSource = {
    location: source.location,
    requiresManifest: true,
    list: () => source.list(),
    read: (path) => {
      whole.push(path);
      return source.read(path);
    },
    async open(path) {
      const bytes = source.files.get(path);
      if (!bytes) return null;
      return (async function* () {
        for (let at = 0; at < bytes.byteLength; at += 1000) yield bytes.subarray(at, at + 1000);
      })();
    },
  };
  return { source, store, whole };
}

describe('readVersion with external data', () => {
  it('without a disk tier: reads and verifies each external file, hands its bytes on', async () => {
    const { store } = objectStore();
    const sizes: number[] = [];
    const got = await readVersion(store, '1', { checkSize: (n) => sizes.push(n) });
    expect(sizes).toEqual([model.byteLength + data.byteLength]);
    expect(got.externalData).toEqual([{ path: 'model.onnx.data', size: data.byteLength, data }]);
    expect(got.path).toBeUndefined();
  });

  it('refuses external data the manifest does not list, or that fails its check', async () => {
    const { source } = objectStore();
    source.put('1/manifest.json', manifest([['model.onnx', model]]));
    await expect(readVersion(source, '1')).rejects.toMatchObject({ code: 'DATA_LOSS', message: expect.stringMatching(/model\.onnx\.data, which manifest\.json does not list/) });
    const bad = objectStore('1', new Uint8Array(data.byteLength)).store;
    await expect(readVersion(bad, '1')).rejects.toMatchObject({ code: 'DATA_LOSS', message: expect.stringMatching(/does not match its sha256/) });
  });

  it('a folder without a manifest: the files model.onnx names must exist', async () => {
    const source = new MemorySource().put('1/model.onnx', model);
    await expect(readVersion(source, '1')).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringMatching(/model\.onnx\.data, which is missing/) });
  });

  it('with a disk tier: external files are never read whole; the tier gets the manifest entries', async () => {
    const { store, whole } = objectStore();
    const placed: unknown[] = [];
    const disk: DiskTier = { place: async (_s, dir, entries) => (placed.push(entries), `/disk/${dir}/model.onnx`), placeSplit: async () => null };
    const got = await readVersion(store, '1', { disk });
    expect(got).toMatchObject({ path: '/disk/1/model.onnx', externalData: [{ path: 'model.onnx.data', size: data.byteLength }] });
    expect(got.externalData![0].data).toBeUndefined();
    expect(whole).not.toContain('1/model.onnx.data');
    expect(placed).toEqual([[expect.objectContaining({ path: 'model.onnx' }), { path: 'model.onnx.data', size: data.byteLength, sha256: sha(data) }]]);
  });
});

describe('the Node disk tier', () => {
  let tierRoot: string;
  beforeEach(() => {
    tierRoot = mkdtempSync(join(root, 't-'));
  });

  it('streams the files into one folder, checked, and reuses them after checking them again', async () => {
    const { store, whole } = objectStore();
    const tier = nodeDiskTier({ root: tierRoot });
    const got = await readVersion(store, '1', { disk: tier });
    expect(readFileSync(join(got.path!, '..', 'model.onnx.data'))).toEqual(Buffer.from(data));
    expect(whole.filter((p) => p.endsWith('.data'))).toEqual([]);
    // A torn copy on disk is fetched again, never served.
    writeFileSync(join(got.path!, '..', 'model.onnx.data'), 'torn');
    expect((await readVersion(store, '1', { disk: nodeDiskTier({ root: tierRoot }) })).path).toBe(got.path);
    expect(readFileSync(join(got.path!, '..', 'model.onnx.data'))).toEqual(Buffer.from(data));
  });

  it('a corrupt object is refused and leaves no file behind', async () => {
    const { store } = objectStore('1', new Uint8Array(data.byteLength));
    await expect(readVersion(store, '1', { disk: nodeDiskTier({ root: tierRoot }) })).rejects.toMatchObject({ code: 'DATA_LOSS' });
    const folder = join(tierRoot, sha('s3://b/m').slice(0, 16), '1');
    expect(existsSync(join(folder, 'model.onnx.data'))).toBe(false);
  });

  it('a version that does not fit is refused before it is downloaded, with the advice', async () => {
    const { store, whole } = objectStore();
    const tier = nodeDiskTier({ root: tierRoot, maxBytes: data.byteLength, roomAdvice: 'raise the ephemeral storage' });
    await expect(readVersion(store, '1', { disk: tier })).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: expect.stringMatching(/needs \d+ bytes on local disk .* budget \d+ bytes\): raise the ephemeral storage/),
    });
    expect(whole.filter((p) => p.endsWith('.data'))).toEqual([]);
  });

  it('makes room by removing other versions, least recently placed first', async () => {
    const size = model.byteLength + data.byteLength;
    let clock = 1_000_000;
    const tier = nodeDiskTier({ root: tierRoot, maxBytes: 2 * size, now: () => (clock += 1000) });
    const paths = [];
    for (const v of ['1', '2', '3']) paths.push((await readVersion(objectStore(v).store, v, { disk: tier })).path!);
    expect(paths.map((p) => existsSync(p))).toEqual([false, true, true]);
  });

  it('a local folder is used where it lies, after checking its manifest', async () => {
    const base = mkdtempSync(join(root, 'local-'));
    const dir = join(base, '1');
    mkdirSync(dir);
    writeFileSync(join(dir, 'model.onnx'), model);
    writeFileSync(join(dir, 'model.onnx.data'), data);
    writeFileSync(join(dir, 'manifest.json'), manifest([['model.onnx', model], ['model.onnx.data', data]]));
    const tier = nodeDiskTier({ root: tierRoot });
    expect((await readVersion(localSource(base), '1', { disk: tier })).path).toBe(join(dir, 'model.onnx'));
    writeFileSync(join(dir, 'model.onnx.data'), new Uint8Array(data.byteLength));
    await expect(readVersion(localSource(base), '1', { disk: tier })).rejects.toMatchObject({ code: 'DATA_LOSS' });
  });
});

describe('a large single-file model on the Node disk tier (split into its graph and its weights)', () => {
  const spec = mlpSpec({ layers: [8, 64, 4] });
  const single = graph(spec);
  const answer = async (model: string | Uint8Array) => {
    const session = typeof model === 'string' ? await ort.InferenceSession.create(model) : await ort.InferenceSession.create(model);
    try {
      return Array.from((await session.run({ x: new ort.Tensor('float32', Float32Array.from({ length: 16 }, (_, i) => i / 7), [2, 8]) })).y.data as Float32Array);
    } finally {
      await session.release();
    }
  };

  it('from an object store: streamed, checked, split once and reused; never read whole; the same answers', async () => {
    const source = new MemorySource('s3://b/single', true).put('1/model.onnx', single).put('1/manifest.json', manifest([['model.onnx', single]]));
    const whole: string[] = [];
    const store: ModelSource = { ...source, location: source.location, requiresManifest: true, list: () => source.list(), read: (p) => (whole.push(p), source.read(p)), open: async (p) => (async function* () { yield source.files.get(p)!; })() };
    const logs: string[] = [];
    const tier = nodeDiskTier({ root: mkdtempSync(join(root, 's-')), log: (m) => logs.push(m) });
    const got = await readVersion(store, '1', { disk: tier, splitMinBytes: 1024 });
    expect(got.path).toMatch(/\/1\/split\/model\.onnx$/);
    expect(got.externalData).toEqual([{ path: 'model.onnx.weights', size: expect.any(Number) }]);
    expect(got.model.byteLength).toBeLessThan(single.byteLength / 4);
    expect(whole).not.toContain('1/model.onnx');
    expect(await answer(got.path!)).toEqual(await answer(single));
    expect((await readVersion(store, '1', { disk: tier, splitMinBytes: 1024 })).path).toBe(got.path);
    expect(logs.filter((m) => m.includes('split'))).toHaveLength(1);
    // Under the threshold: read as before.
    expect((await readVersion(store, '1', { disk: tier })).path).toBeUndefined();
  });

  it('finds model.onnx wherever the manifest lists it', async () => {
    const labels = new TextEncoder().encode('a\nb\nc\nd\n');
    const source = new MemorySource('s3://b/listed', true)
      .put('1/labels.txt', labels)
      .put('1/model.onnx', single)
      .put('1/manifest.json', manifest([['labels.txt', labels], ['model.onnx', single]]));
    const got = await readVersion(source, '1', { disk: nodeDiskTier({ root: mkdtempSync(join(root, 's-')) }), splitMinBytes: 1024 });
    expect(got.path).toMatch(/\/1\/split\/model\.onnx$/);
    expect(got.labels).toEqual(['a', 'b', 'c', 'd']);
    expect(await answer(got.path!)).toEqual(await answer(single));
  });

  it("from a local folder without a manifest: split beside the tier's other folders, the folder itself untouched", async () => {
    const base = mkdtempSync(join(root, 'single-'));
    mkdirSync(join(base, '1'));
    writeFileSync(join(base, '1', 'model.onnx'), single);
    const got = await readVersion(localSource(base), '1', { disk: nodeDiskTier({ root: mkdtempSync(join(root, 's-')) }), splitMinBytes: 1024 });
    expect(got.path!.startsWith(base)).toBe(false);
    expect(readdirSync(join(base, '1'))).toEqual(['model.onnx']);
    expect(await answer(got.path!)).toEqual(await answer(single));
    // Bytes that are not a model: refused as onnxruntime would refuse them.
    writeFileSync(join(base, '1', 'model.onnx'), new Uint8Array(4096).fill(0xff));
    await expect(readVersion(localSource(base), '1', { disk: nodeDiskTier({ root: mkdtempSync(join(root, 's-')) }), splitMinBytes: 1024 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
