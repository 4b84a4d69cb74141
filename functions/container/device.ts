import type { Backend } from '../../core/backend/backend.ts';
import { ortBackend, type OrtModule } from '../../core/backend/ort-session.ts';
import { probeModel } from './probe-model.ts';

/**
 * The container's --device: which onnxruntime-node execution provider runs the models.
 *
 * - cpu: the CPU execution provider.
 * - gpu: CUDA with CPU fallback. At start a tiny probe model is loaded with the CUDA provider
 *   alone; if that works, sessions use ['cuda', 'cpu'] (onnxruntime places the operators CUDA
 *   lacks on the CPU); if it fails (no CUDA libraries in onnxruntime-node, no driver, no visible
 *   GPU) the server falls back to the CPU provider and says so, with onnxruntime's reason.
 *
 * Either way exactly one log line says which provider is active, and it comes first: onnxruntime
 * would print its own red "Failed to load shared library" error before it, so the probe runs with
 * onnxruntime's process-wide log level at fatal (it is fixed at the first session), and the
 * sessions that serve pass logSeverityLevel 2 (warning) themselves, so their warnings still show.
 * The backend's name
 * (x-backend header, edgeserve_backend_info) carries it: "onnxruntime-node" or
 * "onnxruntime-node-cuda".
 */
export type Device = 'cpu' | 'gpu';

export interface DeviceBackend {
  backend: Backend;
  /** The execution provider that serves: 'cuda' only when the probe succeeded. */
  active: 'cpu' | 'cuda';
}

export async function deviceBackend(device: Device, ort: OrtModule, log: (message: string) => void): Promise<DeviceBackend> {
  if (device === 'gpu') {
    const env = (ort as { env?: { logLevel?: string } }).env;
    if (env) env.logLevel = 'fatal';
    try {
      const session = await ort.InferenceSession.create(probeModel(), { executionProviders: ['cuda'], logSeverityLevel: 4 });
      await session.release();
      log('edgeserve: device: gpu (onnxruntime-node CUDA execution provider; operators CUDA lacks run on the CPU)');
      const options = { executionProviders: ['cuda', 'cpu'], logSeverityLevel: WARNING };
      return { backend: ortBackend('onnxruntime-node-cuda', ort, options, { opensFiles: true }), active: 'cuda' };
    } catch (err) {
      log(
        `edgeserve: device: cpu (--device=gpu, but onnxruntime-node cannot use CUDA here: ${reason(err)}; ` +
          'falling back to CPU. The GPU image (infra/Dockerfile.gpu) has the CUDA libraries; run it with a GPU visible, e.g. docker run --gpus all)',
      );
      return { backend: ortBackend('onnxruntime-node', ort, { executionProviders: ['cpu'], logSeverityLevel: WARNING }, { opensFiles: true }), active: 'cpu' };
    }
  } else {
    log('edgeserve: device: cpu (onnxruntime-node CPU execution provider)');
  }
  return { backend: ortBackend('onnxruntime-node', ort, { executionProviders: ['cpu'] }, { opensFiles: true }), active: 'cpu' };
}

/** onnxruntime's severity numbers: 0 verbose ... 2 warning, 3 error, 4 fatal. */
const WARNING = 2 as const;

function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].slice(0, 300);
}
