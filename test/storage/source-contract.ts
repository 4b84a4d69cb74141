import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServingError } from '../../core/errors.ts';
import { discoverVersions } from '../../core/repository/discovery.ts';
import type { ModelSource } from '../../core/repository/source.ts';
import { readVersion, sha256Hex } from '../../core/repository/version-files.ts';
import { externalize, mlpSpec } from '../fixtures/onnx-writer.ts';

/**
 * The contract every ModelSource meets (core/repository/source.ts), as one suite that each
 * implementation runs: local folder, S3, R2, memory. A harness creates an isolated repository per
 * test: the model's folder (`files`, paths relative to the model's base) and, next to it, entries
 * of the same repository that the source must never list or read (`outside`, paths relative to
 * the repository root; the model's folder is "m" there).
 */
export interface SourceHarness {
  create(files: Files, outside?: Files): Promise<ModelSource>;
  /** A source whose storage cannot be reached (required unless the contract runs with remote: false). */
  unreachable?(): Promise<ModelSource>;
  /** Credentials the harness uses: no error message may contain them. */
  secrets?: string[];
  close?(): Promise<void>;
}

export type Files = Record<string, Uint8Array | string>;

export interface ContractOptions {
  /**
   * Whether versions of this source need a manifest.json, as its runner states it (never read
   * from the source under test): a source that changes its flag fails the contract.
   */
  requiresManifest: boolean;
  /** Storage that can be out of reach (a bucket), so the harness has unreachable(). Default true. */
  remote?: boolean;
}

export function sourceContract(name: string, setup: () => Promise<SourceHarness>, { requiresManifest, remote = true }: ContractOptions): void {
  describe(`ModelSource contract: ${name}`, () => {
    let h: SourceHarness;
    beforeAll(async () => {
      h = await setup();
    });
    afterAll(() => h?.close?.());

    it('lists the entries directly under the base, each once', async () => {
      const source = await h.create({
        '1/model.onnx': 'a',
        '1/manifest.json': '{}',
        '00002/model.onnx': 'b',
        '3/model.onnx': 'c',
        '3/sub/deep.bin': 'd',
        'model.json': '{}',
      });
      expect((await source.list()).sort()).toEqual(['00002', '1', '3', 'model.json']);
    });

    it('lists nothing for a base that does not exist', async () => {
      expect(await (await h.create({})).list()).toEqual([]);
    });

    it('pages through long listings', async () => {
      const files: Files = {};
      for (let v = 1; v <= 25; v++) files[`${v}/model.onnx`] = String(v);
      const names = await (await h.create(files)).list();
      expect(names.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    });

    it('reads exact bytes: binary, empty and multi-megabyte files', async () => {
      const big = new Uint8Array(3 * 1024 * 1024 + 7);
      for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
      const source = await h.create({ '1/model.onnx': big, '1/empty.txt': '', '1/labels.txt': 'cat\ndog\n' });
      const read = await source.read('1/model.onnx');
      expect(read).toBeInstanceOf(Uint8Array);
      expect(read!.byteLength).toBe(big.byteLength);
      expect(await sha256Hex(read!)).toBe(await sha256Hex(big));
      expect(await source.read('1/empty.txt')).toEqual(new Uint8Array(0));
      expect(new TextDecoder().decode((await source.read('1/labels.txt'))!)).toBe('cat\ndog\n');
    });

    it('reads null for a missing file and for a folder', async () => {
      const source = await h.create({ '1/model.onnx': 'a' });
      expect(await source.read('9/model.onnx')).toBeNull();
      expect(await source.read('1/nope.onnx')).toBeNull();
      expect(await source.read('1')).toBeNull();
    });

    it('never lists or reads outside the base, not even a sibling whose name extends it', async () => {
      const source = await h.create(
        { '1/model.onnx': 'mine' },
        { 'm2/1/model.onnx': 'sibling', 'm.json': 'next-to-base', 'secret/1/model.onnx': 'secret', 'top.txt': 'root' },
      );
      expect(await source.list()).toEqual(['1']);
      for (const path of [
        '../secret/1/model.onnx',
        '../m2/1/model.onnx',
        '1/../../secret/1/model.onnx',
        '../top.txt',
        '/top.txt',
        '..',
        '.',
        '',
        '1//model.onnx',
      ]) {
        expect(await source.read(path), path).toBeNull();
      }
    });

    it(`${requiresManifest ? 'requires' : 'does not require'} a manifest: counts and serves versions accordingly`, async () => {
      const model = new TextEncoder().encode('model-bytes');
      const manifest = JSON.stringify({ files: [{ path: 'model.onnx', size: model.byteLength, sha256: await sha256Hex(model) }] });
      const source = await h.create({ '1/model.onnx': model, '1/manifest.json': manifest, '2/model.onnx': model, 'model.json': '{}' });
      expect(source.requiresManifest).toBe(requiresManifest);
      const versions = [...(await discoverVersions(source)).keys()].sort();
      expect(versions).toEqual(requiresManifest ? [1] : [1, 2]);
      const withoutManifest = readVersion(source, '2');
      if (requiresManifest) await expect(withoutManifest).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringContaining('manifest.json') });
      else expect(await withoutManifest).toEqual({ model, labels: null, warmup: null, tfWarmup: null, pipeline: null, assets: new Map() });
    });

    it('refuses a model whose external data lies outside its version folder, naming the path (DATA_LOSS)', async () => {
      // model.onnx in m/1 names ../../outside.bin: the repository root's outside.bin, which exists.
      const { model, files } = externalize(mlpSpec({ layers: [2, 2] }), { location: '../../outside.bin' });
      const manifest = JSON.stringify({ files: [{ path: 'model.onnx', size: model.byteLength, sha256: await sha256Hex(model) }] });
      const source = await h.create(
        { '1/model.onnx': model, '1/manifest.json': manifest, '2/model.onnx': model },
        { 'outside.bin': files.get('../../outside.bin')! },
      );
      // With a manifest on every source; without one only where a source serves such versions.
      for (const dir of requiresManifest ? ['1'] : ['1', '2']) {
        const err = await readVersion(source, dir).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, `version ${dir}`).toBeInstanceOf(ServingError);
        expect(err, `version ${dir}`).toMatchObject({ code: 'DATA_LOSS' });
        expect((err as ServingError).message, `version ${dir}`).toContain('"../../outside.bin"');
        expect((err as ServingError).message, `version ${dir}`).toMatch(/outside its folder/);
      }
    });

    it('serves a version whose files match its manifest and refuses one that does not', async () => {
      const model = new TextEncoder().encode('model-bytes');
      const labels = new TextEncoder().encode('cat\ndog\n');
      const entry = async (path: string, bytes: Uint8Array) => ({ path, size: bytes.byteLength, sha256: await sha256Hex(bytes) });
      const manifest = JSON.stringify({ files: [await entry('model.onnx', model)] });
      const source = await h.create({
        '1/model.onnx': model,
        '1/labels.txt': labels,
        '1/manifest.json': JSON.stringify({ files: [await entry('model.onnx', model), await entry('labels.txt', labels)] }),
        '2/model.onnx': 'model-bytez',
        '2/manifest.json': manifest,
        '3/model.onnx': model,
        '3/labels.txt': 'not listed in the manifest',
        '3/manifest.json': manifest,
      });
      expect(await readVersion(source, '1')).toEqual({ model, labels: ['cat', 'dog'], warmup: null, tfWarmup: null, pipeline: null, assets: new Map() });
      await expect(readVersion(source, '2')).rejects.toMatchObject({ code: 'DATA_LOSS' });
      expect(await readVersion(source, '3')).toEqual({ model, labels: null, warmup: null, tfWarmup: null, pipeline: null, assets: new Map() });
    });

    // Only where storage can be out of reach (a bucket): a local folder has no such state.
    if (remote) it('reports unreachable storage as UNAVAILABLE, naming the location but no credential', async () => {
      const source = await h.unreachable!();
      for (const call of [() => source.list(), () => source.read('1/model.onnx')]) {
        const err = await call().then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(ServingError);
        expect(err).toMatchObject({ code: 'UNAVAILABLE' });
        const message = (err as ServingError).message;
        expect(message).toContain(source.location);
        for (const secret of h.secrets ?? []) expect(message).not.toContain(secret);
      }
    });
  });
}
