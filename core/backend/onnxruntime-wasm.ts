import * as ort from 'onnxruntime-web/wasm';
import type { Backend } from './backend.ts';
import { ortBackend, type OrtModule } from './ort-session.ts';

/**
 * Leaf: onnxruntime-web's WASM build. Entry points only. Threads stay at 1: Workers and Lambda
 * give no shared-memory threads, and one setting everywhere keeps answers identical.
 */
export function onnxruntimeWasm(): Backend {
  ort.env.wasm.numThreads = 1;
  return ortBackend('wasm', ort as unknown as OrtModule, { executionProviders: ['wasm'] });
}
