import * as ort from 'onnxruntime-web/webgpu';
import type { Backend } from './backend.ts';
import { ortBackend, type OrtModule } from './ort-session.ts';

/**
 * Leaf: onnxruntime-web's WebGPU build (Deno, browsers; not Workers, which have no WebGPU). Entry
 * points only, and only after navigator.gpu has handed out an adapter: with 'webgpu' as the only
 * execution provider a session that cannot get a GPU device fails to load instead of silently
 * running on the CPU, so a backend named "webgpu" really ran on WebGPU. Operators the WebGPU
 * provider lacks still fall back to its CPU kernels inside the session, as onnxruntime does.
 */
export function onnxruntimeWebGpu(): Backend {
  ort.env.wasm.numThreads = 1;
  return ortBackend('webgpu', ort as unknown as OrtModule, { executionProviders: ['webgpu'] });
}
