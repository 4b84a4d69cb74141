import * as ort from 'onnxruntime-web/wasm';
import type { Backend } from './backend.ts';
import { ortBackend, type OrtModule } from './ort-session.ts';
import { usePrecompiledWasm } from './precompiled-wasm.ts';

/**
 * Leaf: onnxruntime-web's WASM build. Entry points only. Threads stay at 1: Workers and Lambda
 * give no shared-memory threads, and one setting everywhere keeps answers identical.
 * `module`: onnxruntime-web's ort-wasm-simd-threaded.wasm already compiled, for platforms that
 * refuse to compile WebAssembly from bytes (Cloudflare Workers); elsewhere onnxruntime fetches and
 * compiles it itself, lazily, on the first model load.
 */
export function onnxruntimeWasm(options: { module?: WebAssembly.Module } = {}): Backend {
  ort.env.wasm.numThreads = 1;
  if (options.module) usePrecompiledWasm(ort.env.wasm, options.module);
  return ortBackend('wasm', ort as unknown as OrtModule, { executionProviders: ['wasm'] });
}
