import { describe, expect, it } from 'vitest';
import { externalize, mlpSpec } from '../../test/fixtures/onnx-writer.ts';
import type { DiskFile, DiskTier } from './disk-tier.ts';
import { MemorySource } from './memory-source.ts';
import { parseManifest, readVersion, sha256Hex } from './version-files.ts';

// readVersion's proof that a version is complete, on an in-memory source: what a manifest must say,
// what is read (and what never is), and what each refusal tells the operator. The same checks run
// against every real source in test/storage/sources.test.ts.
const text = (s: string) => new TextEncoder().encode(s);
const entry = async (path: string, bytes: Uint8Array | string) => {
  const b = typeof bytes === 'string' ? text(bytes) : bytes;
  return { path, size: b.byteLength, sha256: await sha256Hex(b) };
};

/** A source holding version 1's files, with a manifest listing `listed` of them (all by default). */
async function version(files: Record<string, Uint8Array | string>, { manifest = true, listed = Object.keys(files), requiresManifest = false } = {}) {
  const source = new MemorySource('s3://b/m', requiresManifest);
  for (const [path, bytes] of Object.entries(files)) source.put(`1/${path}`, bytes);
  if (manifest) source.put('1/manifest.json', JSON.stringify({ files: await Promise.all(listed.map((p) => entry(p, files[p]))) }));
  const reads: string[] = [];
  const read = source.read.bind(source);
  source.read = (path) => (reads.push(path), read(path));
  return { source, reads };
}

const refusal = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    const { code, message } = err as { code: string; message: string };
    return { code, message };
  }
  throw new Error('expected a refusal');
};

describe('readVersion: the manifest', () => {
  it('refuses a version without one where the source requires it (a bucket): incomplete, FAILED_PRECONDITION', async () => {
    const { source } = await version({ 'model.onnx': 'graph' }, { manifest: false, requiresManifest: true });
    expect(await refusal(readVersion(source, '1'))).toEqual({ code: 'FAILED_PRECONDITION', message: 'Version 1 of s3://b/m has no manifest.json; it is incomplete' });
  });

  it('names the manifest it cannot read: DATA_LOSS', async () => {
    const { source } = await version({ 'model.onnx': 'graph' }, { manifest: false });
    source.put('1/manifest.json', '{"files": [');
    expect(await refusal(readVersion(source, '1'))).toEqual({ code: 'DATA_LOSS', message: 's3://b/m/1/manifest.json is not valid JSON' });
  });

  it('serves a folder without one where the source allows it, reading the optional files by name', async () => {
    const { source } = await version({ 'model.onnx': 'graph', 'labels.txt': 'cat\ndog\n', 'warmup.json': '[]', 'assets.extra/tf_serving_warmup_requests': 'tf' }, { manifest: false });
    const files = await readVersion(source, '1');
    expect(files).toEqual({ model: text('graph'), labels: ['cat', 'dog'], warmup: text('[]'), tfWarmup: text('tf'), pipeline: null, assets: new Map() });
  });

  it('refuses a version without model.onnx, with or without a manifest', async () => {
    const missing = { code: 'FAILED_PRECONDITION', message: 'Version 1 of s3://b/m has no model.onnx' };
    expect(await refusal(readVersion((await version({ 'labels.txt': 'a' }, { manifest: false })).source, '1'))).toEqual(missing);
    expect(await refusal(readVersion((await version({ 'labels.txt': 'a' })).source, '1'))).toEqual(missing);
  });

  it('uses only the files the manifest lists, each proven by size and sha256 (an unlisted labels.txt is ignored)', async () => {
    const { source } = await version({ 'model.onnx': 'graph', 'labels.txt': 'a\nb', 'warmup.json': '{}' }, { listed: ['model.onnx', 'warmup.json'] });
    const files = await readVersion(source, '1');
    expect(files.labels).toBeNull();
    expect(files.warmup).toEqual(text('{}'));
    expect(files.tfWarmup).toBeNull();
  });

  it('reads every kind of listed file into its place', async () => {
    const { source } = await version({
      'model.onnx': 'graph', 'labels.txt': 'x\r\ny\r\n\r\n', 'warmup.json': 'w', 'assets.extra/tf_serving_warmup_requests': 't',
      'pipeline.json': 'p', 'tokenizer.json': 'tok', 'tokenizer_config.json': 'cfg', 'characters.txt': 'abc',
    });
    const files = await readVersion(source, '1');
    expect(files).toEqual({
      model: text('graph'), labels: ['x', 'y'], warmup: text('w'), tfWarmup: text('t'), pipeline: text('p'),
      assets: new Map([['tokenizer.json', text('tok')], ['tokenizer_config.json', text('cfg')], ['characters.txt', text('abc')]]),
    });
  });

  it("reads a pipeline's assets without a manifest only when the version has a pipeline", async () => {
    const withPipeline = await version({ 'model.onnx': 'g', 'pipeline.json': 'p', 'tokenizer.json': 'tok' }, { manifest: false });
    expect((await readVersion(withPipeline.source, '1')).assets).toEqual(new Map([['tokenizer.json', text('tok')]]));
    const without = await version({ 'model.onnx': 'g', 'tokenizer.json': 'tok' }, { manifest: false });
    const files = await readVersion(without.source, '1');
    expect(files.assets).toEqual(new Map());
    expect(without.reads).not.toContain('1/tokenizer.json');
  });

  it('keeps labels as lines, blank lines inside kept and trailing ones dropped', async () => {
    const { source } = await version({ 'model.onnx': 'g', 'labels.txt': 'a\n\nb\n\n' });
    expect((await readVersion(source, '1')).labels).toEqual(['a', '', 'b']);
    const empty = await version({ 'model.onnx': 'g', 'labels.txt': '\n' });
    expect((await readVersion(empty.source, '1')).labels).toEqual([]);
  });

  it('refuses a listed file that is missing, has another size, or another sha256 (DATA_LOSS, naming it)', async () => {
    const { source } = await version({ 'model.onnx': 'graph', 'labels.txt': 'a' });
    source.files.delete('1/labels.txt');
    expect(await refusal(readVersion(source, '1'))).toEqual({ code: 'DATA_LOSS', message: 's3://b/m/1/labels.txt is listed in the manifest but missing' });
    source.put('1/labels.txt', 'ab');
    expect((await refusal(readVersion(source, '1'))).message).toBe('s3://b/m/1/labels.txt has 2 bytes, the manifest says 1');
    source.put('1/labels.txt', 'b');
    expect((await refusal(readVersion(source, '1'))).message).toMatch(/s3:\/\/b\/m\/1\/labels\.txt does not match its sha256 in the manifest$/);
    source.put('1/model.onnx', 'grapH');
    expect((await refusal(readVersion(source, '1'))).message).toMatch(/s3:\/\/b\/m\/1\/model\.onnx does not match its sha256/);
  });

  it('accepts a sha256 written in capitals', async () => {
    const source = new MemorySource('s3://b/m', true).put('1/model.onnx', 'g');
    const e = await entry('model.onnx', 'g');
    source.put('1/manifest.json', JSON.stringify({ files: [{ ...e, sha256: e.sha256.toUpperCase() }] }));
    expect((await readVersion(source, '1')).model).toEqual(text('g'));
  });
});

describe('readVersion: the size check', () => {
  it('sees the sum of the listed sizes before model.onnx is read', async () => {
    const { source, reads } = await version({ 'model.onnx': 'graph', 'labels.txt': 'abc' });
    const err = await refusal(readVersion(source, '1', { checkSize: (n) => { throw new Error(`${n} bytes, after ${reads.length} reads`); } }));
    expect(err.message).toBe('8 bytes, after 1 reads');
  });

  it("sees model.onnx's size when there is no manifest", async () => {
    const { source } = await version({ 'model.onnx': 'graph' }, { manifest: false });
    const seen: number[] = [];
    await readVersion(source, '1', { checkSize: (n) => seen.push(n) });
    expect(seen).toEqual([5]);
  });
});

describe('parseManifest', () => {
  const sha = 'ab'.repeat(32);
  const parse = (doc: unknown) => () => parseManifest(text(JSON.stringify(doc)), 'where/manifest.json');
  const shape = 'where/manifest.json must be {"files":[{"path","size","sha256"}, ...]} with relative paths';

  it('reads a list of files, a size of 0 included', () => {
    expect(parse({ files: [{ path: 'model.onnx', size: 0, sha256: sha }] })()).toEqual({ files: [{ path: 'model.onnx', size: 0, sha256: sha }] });
  });

  it('refuses text that is not JSON', () => {
    expect(() => parseManifest(text('{files'), 'where/manifest.json')).toThrow('where/manifest.json is not valid JSON');
  });

  for (const [what, doc] of [
    ['null', null],
    ['no files', {}],
    ['files not a list', { files: { path: 'model.onnx' } }],
    ['an empty list', { files: [] }],
    ['an entry that is null', { files: [null] }],
    ['a path that is not text', { files: [{ path: 1, size: 1, sha256: sha }] }],
    ['a path outside the folder', { files: [{ path: '../x', size: 1, sha256: sha }] }],
    ['an absolute path', { files: [{ path: '/x', size: 1, sha256: sha }] }],
    ['a size that is not an integer', { files: [{ path: 'x', size: 1.5, sha256: sha }] }],
    ['a size as text', { files: [{ path: 'x', size: '1', sha256: sha }] }],
    ['a negative size', { files: [{ path: 'x', size: -1, sha256: sha }] }],
    ['no sha256', { files: [{ path: 'x', size: 1 }] }],
    ['a short sha256', { files: [{ path: 'x', size: 1, sha256: sha.slice(2) }] }],
    ['a sha256 with text before it', { files: [{ path: 'x', size: 1, sha256: `z${sha}` }] }],
    ['a sha256 with text after it', { files: [{ path: 'x', size: 1, sha256: `${sha}z` }] }],
    ['one bad entry among good ones', { files: [{ path: 'x', size: 1, sha256: sha }, { path: 'y', size: 1, sha256: 'nope' }] }],
  ] as const) {
    it(`refuses ${what}, saying what a manifest must be`, () => {
      expect(parse(doc)).toThrow(shape);
    });
  }
});

describe('readVersion: external data', () => {
  const { model, files } = externalize(mlpSpec({ layers: [4, 8, 2] }));
  const data = files.get('model.onnx.data')!;

  it('reads it into memory, verified, when no disk tier is given', async () => {
    const { source } = await version({ 'model.onnx': model, 'model.onnx.data': data });
    const got = await readVersion(source, '1');
    expect(got.externalData).toEqual([{ path: 'model.onnx.data', size: data.byteLength, data }]);
    expect(got.path).toBeUndefined();
  });

  it('reads it without a manifest where the folder allows that, and says when it is missing', async () => {
    const { source } = await version({ 'model.onnx': model, 'model.onnx.data': data }, { manifest: false });
    expect((await readVersion(source, '1')).externalData).toEqual([{ path: 'model.onnx.data', size: data.byteLength, data }]);
    source.files.delete('1/model.onnx.data');
    expect(await refusal(readVersion(source, '1'))).toEqual({ code: 'FAILED_PRECONDITION', message: 's3://b/m/1/model.onnx refers to external data model.onnx.data, which is missing' });
  });

  it('refuses a file the manifest does not list (DATA_LOSS)', async () => {
    const { source } = await version({ 'model.onnx': model, 'model.onnx.data': data }, { listed: ['model.onnx'] });
    const err = await refusal(readVersion(source, '1'));
    expect(err.code).toBe('DATA_LOSS');
    expect(err.message).toMatch(/s3:\/\/b\/m\/1\/model\.onnx refers to external data model\.onnx\.data, which manifest\.json does not list$/);
  });

  it('refuses a location outside the version folder, naming it, before reading it', async () => {
    const outside = externalize(mlpSpec({ layers: [4, 2] }), { location: '../../outside.bin' });
    for (const manifest of [true, false]) {
      const { source, reads } = await version({ 'model.onnx': outside.model }, { manifest });
      const err = await refusal(readVersion(source, '1'));
      expect(err.code).toBe('DATA_LOSS');
      expect(err.message).toMatch(/s3:\/\/b\/m\/1\/model\.onnx refers to external data at "\.\.\/\.\.\/outside\.bin", outside its folder$/);
      expect(reads.some((p) => p.includes('outside'))).toBe(false);
    }
  });

  it('puts it on disk with model.onnx for a backend that opens files, never reading the data here', async () => {
    const { source, reads } = await version({ 'model.onnx': model, 'model.onnx.data': data, 'labels.txt': 'a' });
    const placed: DiskFile[][] = [];
    const disk: DiskTier = { place: async (_s, dir, f) => (placed.push(f), `/tier/${dir}/model.onnx`), placeSplit: async () => null };
    const got = await readVersion(source, '1', { disk });
    expect(got.path).toBe('/tier/1/model.onnx');
    expect(got.externalData).toEqual([{ path: 'model.onnx.data', size: data.byteLength }]);
    expect(got.labels).toEqual(['a']);
    expect(placed).toEqual([[await entry('model.onnx', model), await entry('model.onnx.data', data)]]);
    expect(reads).not.toContain('1/model.onnx.data');
  });

  it('places an unlisted folder by path alone, sizes unknown', async () => {
    const { source } = await version({ 'model.onnx': model, 'model.onnx.data': data }, { manifest: false });
    const placed: DiskFile[][] = [];
    const disk: DiskTier = { place: async (_s, _d, f) => (placed.push(f), '/tier/model.onnx'), placeSplit: async () => null };
    const got = await readVersion(source, '1', { disk });
    expect(placed).toEqual([[{ path: 'model.onnx' }, { path: 'model.onnx.data' }]]);
    expect(got.externalData).toEqual([{ path: 'model.onnx.data', size: 0 }]);
  });
});

describe('readVersion: a backend that opens files', () => {
  const noSplit: DiskTier = { place: async () => { throw new Error('not placed'); }, placeSplit: async () => null };

  it('opens a single-file model where it lies when the source is on local disk', async () => {
    const { source } = await version({ 'model.onnx': 'graph' }, { manifest: false });
    const asked: string[] = [];
    Object.assign(source, { localPath: (p: string) => (asked.push(p), `/models/m/${p}`) });
    expect(await readVersion(source, '1', { disk: noSplit })).toMatchObject({ path: '/models/m/1/model.onnx', externalData: [] });
    expect(asked).toEqual(['1/model.onnx']);
    // Without a disk tier the backend takes bytes: no path.
    expect(await readVersion(source, '1')).not.toHaveProperty('path');
  });

  it("hands a remote single-file model over as bytes, with neither path nor external data", async () => {
    const { source } = await version({ 'model.onnx': 'graph' });
    const got = await readVersion(source, '1', { disk: noSplit });
    expect(got).not.toHaveProperty('path');
    expect(got).not.toHaveProperty('externalData');
  });

  it('takes a large model split onto disk: the graph read, the weights never, the size counting both', async () => {
    const { source, reads } = await version({ 'model.onnx': 'a big model' }, { manifest: false });
    const asked: [DiskFile, number][] = [];
    const disk: DiskTier = {
      place: async () => { throw new Error('not placed'); },
      placeSplit: async (_s, _d, model, minBytes) => (asked.push([model, minBytes]), { path: '/tier/1/model.onnx', graph: text('graph'), weights: { path: 'model.onnx.data', size: 1000 } }),
    };
    const seen: number[] = [];
    const got = await readVersion(source, '1', { disk, splitMinBytes: 7, checkSize: (n) => seen.push(n) });
    expect(got).toMatchObject({ model: text('graph'), path: '/tier/1/model.onnx', externalData: [{ path: 'model.onnx.data', size: 1000 }] });
    expect(asked).toEqual([[{ path: 'model.onnx' }, 7]]);
    expect(seen).toEqual([1005]);
    expect(reads).not.toContain('1/model.onnx');
  });

  it("asks for a split with model.onnx's manifest entry, so the tier checks the original", async () => {
    const { source } = await version({ 'model.onnx': 'original' });
    const asked: DiskFile[] = [];
    const disk: DiskTier = { place: noSplit.place, placeSplit: async (_s, _d, model) => (asked.push(model), { path: '/t/model.onnx', graph: text('g'), weights: { path: 'w', size: 1 } }) };
    await readVersion(source, '1', { disk });
    expect(asked).toEqual([await entry('model.onnx', 'original')]);
  });
});
