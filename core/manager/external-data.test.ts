import { describe, expect, it } from 'vitest';
import { externalize, mlpSpec } from '../../test/fixtures/onnx-writer.ts';
import type { Backend, ModelFiles, Session } from '../backend/backend.ts';
import type { ModelConfig } from '../config/model-config.ts';
import type { DiskTier } from '../repository/disk-tier.ts';
import { MemorySource } from '../repository/memory-source.ts';
import { sha256Hex } from '../repository/version-files.ts';
import { Manager } from './manager.ts';

// The manager with a model whose weights live in external data: the size limit counts every file
// (the edge refuses it before a byte is read), the budget charges them, and the backend gets
// ModelFiles: on disk for a backend that opens files, in memory for the others.
const { model, files } = externalize(mlpSpec({ layers: [8, 32, 2] }));
const data = files.get('model.onnx.data')!;
const config: ModelConfig = { name: 'm', basePath: 'memory:', platform: 'onnx', versionPolicy: { kind: 'latest', numVersions: 1 }, labels: {} };

async function store() {
  const source = new MemorySource('s3://b/m', true).put('1/model.onnx', model).put('1/model.onnx.data', data);
  const entry = async (path: string, b: Uint8Array) => ({ path, size: b.byteLength, sha256: await sha256Hex(b) });
  source.put('1/manifest.json', JSON.stringify({ files: [await entry('model.onnx', model), await entry('model.onnx.data', data)] }));
  const reads: string[] = [];
  const read = source.read.bind(source);
  source.read = (path) => (reads.push(path), read(path));
  return { source, reads };
}

function recordingBackend(opensFiles: boolean): Backend & { got: (Uint8Array | ModelFiles)[] } {
  const got: (Uint8Array | ModelFiles)[] = [];
  const session: Session = { signature: { inputs: [], outputs: [] }, run: async () => ({}), release: async () => {} };
  return { name: 'fake', opensFiles, got, load: async (m) => (got.push(m), session) };
}

// Models here are small: the tier is asked to split none of them.
const disk: DiskTier = { place: async (_source, dir) => `/tier/${dir}/model.onnx`, placeSplit: async () => null };

describe('external data in the manager', () => {
  it('the edge refuses it by the size of all its files, naming the container target, before reading any', async () => {
    const { source, reads } = await store();
    const backend = recordingBackend(false);
    const limit = model.byteLength + 100;
    const manager = new Manager([{ config, source }], {
      backend,
      cacheBytes: 1 << 30,
      pollIntervalMs: -1,
      tier: 'edge',
      maxModelBytes: limit,
      maxModelBytesAdvice: 'serve it from the container target',
    });
    const err = await manager.acquire('m').catch((e) => e);
    expect(err).toMatchObject({ code: 'FAILED_PRECONDITION' });
    expect(err.message).toContain(`is ${model.byteLength + data.byteLength} bytes, more than this target loads (max_model_bytes=${limit}): serve it from the container target`);
    expect(reads.filter((p) => p !== '1/manifest.json')).toEqual([]);
    expect(backend.got).toEqual([]);
  });

  it('a backend that opens files gets the path from the disk tier; the budget charges every file', async () => {
    const { source, reads } = await store();
    const backend = recordingBackend(true);
    const manager = new Manager([{ config, source }], { backend, cacheBytes: 1 << 30, pollIntervalMs: -1, diskTier: disk });
    const lease = await manager.acquire('m');
    expect(lease.servable.bytes).toBe(model.byteLength + data.byteLength);
    lease.release();
    expect(backend.got).toEqual([{ bytes: model, externalData: [{ path: 'model.onnx.data', size: data.byteLength }], path: '/tier/1/model.onnx' }]);
    expect(reads).not.toContain('1/model.onnx.data');
  });

  it('a backend that cannot open files gets the bytes, even when a disk tier exists', async () => {
    const { source } = await store();
    const backend = recordingBackend(false);
    const manager = new Manager([{ config, source }], { backend, cacheBytes: 1 << 30, pollIntervalMs: -1, diskTier: disk });
    (await manager.acquire('m')).release();
    expect(backend.got).toEqual([{ bytes: model, externalData: [{ path: 'model.onnx.data', size: data.byteLength, data }], path: undefined }]);
  });
});
