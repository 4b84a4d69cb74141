import * as ort from 'onnxruntime-node';
import type { Backend } from '../../core/backend/backend.ts';
import { ortBackend, type OrtModule } from '../../core/backend/ort-session.ts';

/** Leaf: onnxruntime-node on CPU (or CUDA when executionProviders asks for it). Entry points only. */
export function onnxruntimeNode(options: { executionProviders?: string[]; intraOpNumThreads?: number } = {}): Backend {
  return ortBackend('onnxruntime-node', ort as unknown as OrtModule, {
    executionProviders: options.executionProviders ?? ['cpu'],
    ...(options.intraOpNumThreads ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
  }, { opensFiles: true });
}
