import { existsSync } from 'node:fs';
import * as realOrt from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { OrtModule } from '../../core/backend/ort-session.ts';
import { identityModel } from '../../test/fixtures/onnx-writer.ts';
import { cudaUnavailable, deviceBackend } from './device.ts';
import { probeModel } from './probe-model.ts';

/** An onnxruntime stand-in that records session options; CUDA works only when `cuda` is true. */
function fakeOrt(cuda: boolean) {
  const created: string[][] = [];
  const ort = {
    InferenceSession: {
      async create(_bytes: Uint8Array, options: { executionProviders?: string[] } = {}) {
        const eps = options.executionProviders ?? [];
        created.push(eps);
        if (eps.includes('cuda') && !cuda) throw new Error('OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library\nmore');
        return { inputMetadata: [], outputMetadata: [], release: async () => {} };
      },
    },
    Tensor: class {},
  } as unknown as OrtModule;
  return { ort, created };
}

describe('--device', () => {
  it('uses CUDA with CPU fallback for operators when the probe loads on CUDA', async () => {
    const { ort, created } = fakeOrt(true);
    const logs: string[] = [];
    const { backend, active } = await deviceBackend('gpu', ort, (m) => logs.push(m), { unavailable: () => undefined });
    expect(active).toBe('cuda');
    expect(backend.name).toBe('onnxruntime-node-cuda');
    await backend.load(new Uint8Array(1));
    expect(created).toEqual([['cuda'], ['cuda', 'cpu']]);
    expect(logs).toEqual(['edgeserve: device: gpu (onnxruntime-node CUDA execution provider; operators CUDA lacks run on the CPU)']);
  });

  it('falls back to the CPU, saying why, when CUDA cannot load', async () => {
    const { ort, created } = fakeOrt(false);
    const logs: string[] = [];
    const { backend, active } = await deviceBackend('gpu', ort, (m) => logs.push(m), { unavailable: () => undefined });
    expect(active).toBe('cpu');
    expect(backend.name).toBe('onnxruntime-node');
    await backend.load(new Uint8Array(1));
    expect(created).toEqual([['cuda'], ['cpu']]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^edgeserve: device: cpu \(--device=gpu, but onnxruntime-node cannot use CUDA here: OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library; falling back to CPU\./);
  });

  it('does not probe when the CUDA libraries or a GPU are missing, and says which', async () => {
    const { ort, created } = fakeOrt(true);
    const logs: string[] = [];
    const { active } = await deviceBackend('gpu', ort, (m) => logs.push(m), { unavailable: () => 'no GPU is visible (no /dev/nvidiactl)' });
    expect(active).toBe('cpu');
    expect(created).toEqual([]);
    expect(logs).toEqual([expect.stringMatching(/^edgeserve: device: cpu \(--device=gpu, but no GPU is visible \(no \/dev\/nvidiactl\); falling back to CPU\./)]);
  });

  it('falls back on this machine with the real onnxruntime-node when it has no CUDA libraries', async () => {
    const cudaLib = new URL('../../node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so', import.meta.url);
    if (existsSync(cudaLib)) return; // a CUDA install: nothing to fall back from
    expect(cudaUnavailable()).toMatch(/^onnxruntime-node has no CUDA provider here \(libonnxruntime_providers_shared\.so is not in .*onnxruntime-node\/bin\/napi-v6\/linux\/x64\)$/);
    const logs: string[] = [];
    const { backend, active } = await deviceBackend('gpu', realOrt as unknown as OrtModule, (m) => logs.push(m));
    expect(active).toBe('cpu');
    expect(logs[0]).toContain('falling back to CPU');
    const session = await backend.load(identityModel('float32', ['batch', 2]));
    const out = await session.run({ x: { dtype: 'float32', dims: [1, 2], data: new Float32Array([1, 2]) } });
    expect(out.y.data).toEqual(new Float32Array([1, 2]));
    await session.release();
  });

  it('probes with the generated identity model', () => {
    expect(probeModel()).toEqual(identityModel('float32', [1]));
  });
});
