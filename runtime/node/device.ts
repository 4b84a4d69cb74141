import type { InferenceSession } from 'onnxruntime-common';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Backend } from '../../core/backend/backend.ts';
import { ortBackend, type OrtModule } from '../../core/backend/ort-session.ts';
import { probeModel } from './probe-model.ts';

/**
 * The Node server's --device: which onnxruntime-node execution provider runs the models (the
 * container images pass --device=cpu or --device=gpu).
 *
 * - cpu: the CPU execution provider.
 * - gpu: CUDA with CPU fallback. At start a tiny probe model is loaded with the CUDA provider
 *   alone; if that works, sessions use ['cuda', 'cpu'] (onnxruntime places the operators CUDA
 *   lacks on the CPU); if it fails (no CUDA libraries in onnxruntime-node, no driver, no visible
 *   GPU) the server falls back to the CPU provider and says so, with onnxruntime's reason.
 *   Before probing, `cudaUnavailable` checks what can be seen without onnxruntime: its CUDA provider
 *   libraries and a GPU device node. When one is missing there is no probe, so onnxruntime's own
 *   (red, multi-line) load error is never printed ahead of edgeserve's line for that usual case.
 *
 * With --device=gpu, either way exactly one log line says which provider is active (cpu needs none:
 * the server's start line names the backend), and it comes first: onnxruntime
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

const FALLBACK_ADVICE =
  'falling back to CPU. The GPU image (infra/Dockerfile.gpu) has the CUDA libraries; run it with a GPU visible, e.g. docker run --gpus all';

export interface DeviceOptions {
  /** Session options from the thread flags (nodeThreadOptions), applied on either provider. */
  threads?: InferenceSession.SessionOptions;
  /** Why CUDA cannot work here, before any probe; default cudaUnavailable (tests inject it). */
  unavailable?: () => string | undefined;
}

export async function deviceBackend(
  device: Device,
  ort: OrtModule,
  log: (message: string) => void,
  { threads = {}, unavailable = cudaUnavailable }: DeviceOptions = {},
): Promise<DeviceBackend> {
  const make = (name: string, options: InferenceSession.SessionOptions) => ortBackend(name, ort, options, { opensFiles: true });
  const missing = device === 'gpu' ? unavailable() : undefined;
  if (missing !== undefined) {
    log(`edgeserve: device: cpu (--device=gpu, but ${missing}; ${FALLBACK_ADVICE})`);
  } else if (device === 'gpu') {
    const env = (ort as { env?: { logLevel?: string } }).env;
    if (env) env.logLevel = 'fatal';
    try {
      const session = await ort.InferenceSession.create(probeModel(), { executionProviders: ['cuda'], logSeverityLevel: 4 });
      await session.release();
      log('edgeserve: device: gpu (onnxruntime-node CUDA execution provider; operators CUDA lacks run on the CPU)');
      const options = { ...threads, executionProviders: ['cuda', 'cpu'], logSeverityLevel: WARNING };
      return { backend: make('onnxruntime-node-cuda', options), active: 'cuda' };
    } catch (err) {
      log(`edgeserve: device: cpu (--device=gpu, but onnxruntime-node cannot use CUDA here: ${reason(err)}; ${FALLBACK_ADVICE})`);
      const options = { ...threads, executionProviders: ['cpu'], logSeverityLevel: WARNING };
      return { backend: make('onnxruntime-node', options), active: 'cpu' };
    }
  }
  return { backend: make('onnxruntime-node', { ...threads, executionProviders: ['cpu'] }), active: 'cpu' };
}

/** onnxruntime's severity numbers: 0 verbose ... 2 warning, 3 error, 4 fatal. */
const WARNING = 2 as const;

function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].slice(0, 300);
}

/**
 * Why CUDA cannot work here, from files alone (undefined: it may, so probe). Linux only, where
 * onnxruntime-node's CUDA provider is a separate download next to its binding and NVIDIA's
 * runtime exposes /dev/nvidia* for each visible GPU; elsewhere the probe decides.
 */
export function cudaUnavailable(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const bin = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin/napi-v6', process.platform, process.arch);
  const lib = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'].find((name) => !existsSync(join(bin, name)));
  if (lib) return `onnxruntime-node has no CUDA provider here (${lib} is not in ${bin})`;
  if (!existsSync('/dev/nvidiactl')) return 'no GPU is visible (no /dev/nvidiactl)';
  return undefined;
}
