import { describe, expect, it } from 'vitest';
import type { Backend, Session } from '../backend/backend.ts';
import type { ModelConfig } from '../config/model-config.ts';
import { MemorySource } from '../repository/memory-source.ts';
import { sha256Hex } from '../repository/version-files.ts';
import { Manager } from './manager.ts';

// maxModelBytes (a target's isolate budget) and addModel (models found at a repository's root).

const backend: Backend & { loads: number } = {
  name: 'fake',
  loads: 0,
  async load(): Promise<Session> {
    backend.loads += 1;
    return { signature: { inputs: [], outputs: [] }, run: async () => ({}), release: async () => {} };
  },
};

const config = (name: string, versionPolicy: ModelConfig['versionPolicy'] = { kind: 'latest', numVersions: 1 }): ModelConfig => ({
  name,
  basePath: 'memory:',
  platform: 'onnx',
  versionPolicy,
  labels: {},
});

async function versioned(source: MemorySource, dir: string, model: string, withManifest: boolean) {
  const bytes = new TextEncoder().encode(model);
  source.put(`${dir}/model.onnx`, bytes);
  if (withManifest) {
    source.put(`${dir}/manifest.json`, JSON.stringify({ files: [{ path: 'model.onnx', size: bytes.byteLength, sha256: await sha256Hex(bytes) }] }));
  }
}

/** A source that records which paths were read, to prove an oversize model is never downloaded. */
class RecordingSource extends MemorySource {
  reads: string[] = [];
  override async read(path: string) {
    this.reads.push(path);
    return super.read(path);
  }
}

describe('maxModelBytes', () => {
  const options = { backend, cacheBytes: 1 << 20, pollIntervalMs: -1, maxModelBytes: 10, maxModelBytesAdvice: 'serve it from the container target' };

  it('refuses a version whose manifest declares more, before reading its model bytes', async () => {
    const source = new RecordingSource('r2://bucket/big', true);
    await versioned(source, '1', 'x'.repeat(11), true);
    const manager = new Manager([{ config: config('big'), source }], options);
    const loads = backend.loads;
    const err = await manager.acquire('big').catch((e) => e);
    expect(err.code).toBe('FAILED_PRECONDITION');
    expect(err.message).toBe(
      'Version 1 of model big is 11 bytes, more than this target loads (max_model_bytes=10): serve it from the container target',
    );
    expect(source.reads).not.toContain('1/model.onnx');
    expect(backend.loads).toBe(loads);
    expect((await manager.status('big'))[0]).toMatchObject({ version: 1, state: 'END' });
  });

  it('checks the bytes read when there is no manifest, and serves models within the limit', async () => {
    const source = new MemorySource();
    await versioned(source, '1', 'x'.repeat(10), false);
    await versioned(source, '2', 'x'.repeat(12), false);
    const manager = new Manager([{ config: config('m', { kind: 'all' }), source }], options);
    const lease = await manager.acquire('m', { version: 1 });
    expect(lease.servable.version).toBe(1);
    lease.release();
    const err = await manager.acquire('m', { version: 2 }).catch((e) => e);
    expect(err.message).toContain('is 12 bytes, more than this target loads (max_model_bytes=10)');
  });
});

describe('addModel', () => {
  it('serves a model added after construction, and keeps the first binding of a name', async () => {
    const manager = new Manager([], { backend, cacheBytes: 1 << 20, pollIntervalMs: -1 });
    await expect(manager.acquire('late')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const source = new MemorySource();
    await versioned(source, '3', 'model', false);
    expect(manager.addModel({ config: config('late'), source })).toBe(true);
    expect(manager.addModel({ config: config('late'), source: new MemorySource() })).toBe(false);
    expect(manager.modelNames()).toEqual(['late']);
    const lease = await manager.acquire('late');
    expect(lease.servable.version).toBe(3);
    lease.release();
  });
});
