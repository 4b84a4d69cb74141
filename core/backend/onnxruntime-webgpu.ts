import * as ort from 'onnxruntime-web/webgpu';
import type { Backend, Session } from './backend.ts';
import { ortBackend, type OrtModule } from './ort-session.ts';

/**
 * Leaf: onnxruntime-web's WebGPU build (Deno, browsers; not Workers, which have no WebGPU). Entry
 * points only, and only after navigator.gpu has handed out an adapter: with 'webgpu' as the only
 * execution provider a session that cannot get a GPU device fails to load instead of silently
 * running on the CPU, so a backend named "webgpu" really ran on WebGPU. Operators the WebGPU
 * provider lacks still fall back to its CPU kernels inside the session, as onnxruntime does.
 *
 * Loads and runs are serialized, one at a time across the backend (the GPU device is one per
 * process, so nothing ran in parallel anyway). onnxruntime-web's WebGPU provider in Deno does not
 * take overlap: two overlapping run() calls block the event loop for good, and a load while
 * another is being created fails ("another WebGPU EP inference session is being created"). Found
 * by the backend contract (test/backend/).
 */
export function onnxruntimeWebGpu(): Backend {
  ort.env.wasm.numThreads = 1;
  return oneRunAtATime(ortBackend('webgpu', ort as unknown as OrtModule, { executionProviders: ['webgpu'] }));
}

function oneRunAtATime(backend: Backend): Backend {
  let tail: Promise<unknown> = Promise.resolve();
  const queued = <T>(work: () => Promise<T>): Promise<T> => {
    const result = tail.then(work);
    tail = result.catch(() => {});
    return result;
  };
  return {
    name: backend.name,
    async load(bytes) {
      const session = await queued(() => backend.load(bytes));
      const serial: Session = {
        signature: session.signature,
        run: (inputs) => queued(() => session.run(inputs)),
        release: () => queued(() => session.release()),
      };
      return serial;
    },
  };
}
