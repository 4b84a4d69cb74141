import { ConfigError } from '../../core/config/config-error.ts';
import { parseFlags, usage, type ServerFlags } from '../../core/config/flags.ts';
import type { Device } from './device.ts';

/**
 * The container entry's command line: the Node server's flags (core/config/flags.ts) plus
 * `--device=cpu|gpu` (env EDGESERVE_DEVICE; default cpu), with container defaults: the REST and
 * gRPC APIs bind 0.0.0.0 (--rest_api_host, which --port shares), not loopback. Explicit flags win.
 * Pure: no process access. Throws ConfigError for a bad --device and whatever parseFlags throws.
 */
export interface ContainerFlags {
  device: Device;
  server: ServerFlags;
}

export function parseContainerFlags(argv: readonly string[], env: Record<string, string | undefined>): ContainerFlags {
  let device: string = env.EDGESERVE_DEVICE || 'cpu';
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--?device(?:=(.*))?$/s.exec(argv[i]);
    if (!m) {
      rest.push(argv[i]);
      continue;
    }
    device = m[1] ?? argv[++i] ?? '';
  }
  if (device !== 'cpu' && device !== 'gpu') throw new ConfigError(`--device=${device}: expected cpu or gpu`);
  const server = parseFlags(['--rest_api_host=0.0.0.0', ...rest], env);
  if (device === 'gpu' && server.backend !== 'node') {
    throw new ConfigError('--device=gpu needs --backend=node (onnxruntime-node runs CUDA; the wasm backend is CPU only)');
  }
  return { device, server };
}

export function containerUsage(): string {
  return usage().replace(
    'Flags (with defaults):\n',
    'Flags (with defaults):\n  --device=cpu\n      cpu, or gpu: onnxruntime-node CUDA with CPU fallback (env EDGESERVE_DEVICE)\n  (--rest_api_host defaults to 0.0.0.0 in the container)\n',
  );
}
