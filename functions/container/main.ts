import * as ort from 'onnxruntime-node';
import type { OrtModule } from '../../core/backend/ort-session.ts';
import { ConfigError } from '../../core/config/config-error.ts';
import { nodeThreadOptions } from '../../runtime/node/onnxruntime-node.ts';
import { onnxruntimeWorker } from '../../runtime/node/onnxruntime-worker.ts';
import { startServer } from '../../runtime/node/server.ts';
import { deviceBackend } from './device.ts';
import { containerUsage, parseContainerFlags } from './flags.ts';

/**
 * The container entry (infra/Dockerfile.cpu, infra/Dockerfile.gpu): the Node server with REST
 * (--rest_api_port, 8501 in the images) and gRPC (--port, 8500) on 0.0.0.0, on the execution
 * provider --device picks (device.ts). Exits 0 on SIGTERM/SIGINT after closing the listeners
 * (Kubernetes sends SIGTERM), 2 on bad flags or a failed start.
 */
async function main(argv: string[]): Promise<void> {
  const { device, server: flags } = parseContainerFlags(argv, process.env);
  if (flags.help) {
    console.log(containerUsage());
    return;
  }
  const log = (m: string) => console.log(m);
  // --onnxruntime_worker_thread: the sessions (CPU or CUDA) live in a worker thread (runtime/node/onnxruntime-worker.ts).
  const make = flags.onnxruntimeWorkerThread ? onnxruntimeWorker : undefined;
  const { backend } = await deviceBackend(device, ort as unknown as OrtModule, log, { threads: nodeThreadOptions(flags), make });
  const server = await startServer(flags, log, { backend });
  const shutdown = () => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err instanceof ConfigError ? `edgeserve: ${err.message}` : err);
  process.exit(2);
});
