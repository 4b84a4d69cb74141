import type { Backend } from '../../core/backend/backend.ts';

/**
 * Picks the inference backend once per process: onnxruntime-web's WebGPU build when BACKEND is
 * "auto" (the default) or "webgpu" and navigator.gpu hands out an adapter, else its WASM build.
 * "webgpu" without an adapter is a start-up error rather than a silent fallback. Each build is
 * imported only when chosen (they are separate onnxruntime copies). `adapter` describes the GPU
 * for the start-up log: Mesa's software Vulkan (lavapipe) shows up as a fallback adapter.
 */
export type BackendChoice = 'auto' | 'webgpu' | 'wasm';

export async function chooseBackend(choice: BackendChoice): Promise<{ backend: Backend; adapter: string | null }> {
  if (choice !== 'wasm') {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }).gpu;
    const adapter = await gpu?.requestAdapter().catch(() => null);
    if (adapter) {
      const { onnxruntimeWebGpu } = await import('../../core/backend/onnxruntime-webgpu.ts');
      return { backend: onnxruntimeWebGpu(), adapter: describe(adapter) };
    }
    if (choice === 'webgpu') throw new Error('BACKEND=webgpu, but navigator.gpu gave no adapter (no GPU, or no Vulkan/Metal/D3D12 driver)');
  }
  const { onnxruntimeWasm } = await import('../../core/backend/onnxruntime-wasm.ts');
  return { backend: onnxruntimeWasm(), adapter: null };
}

interface GpuAdapterLike {
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
}

function describe(adapter: GpuAdapterLike): string {
  const info = adapter.info ?? {};
  // Drivers fill these unevenly (Mesa: vendor "65541", architecture "0"); numbers say nothing.
  const name = [info.vendor, info.architecture, info.device, info.description].filter((s) => s && !/^\d+$/.test(s)).join(' ') || 'unknown GPU';
  return adapter.isFallbackAdapter ? `${name} (software fallback adapter)` : name;
}
