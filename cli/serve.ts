import { parseFlags, usage } from '../core/config/flags.ts';
import { startServer, type RunningServer } from '../runtime/node/server.ts';

/**
 * `edgeserve serve` and `npm start`: tensorflow_model_server's command line over ONNX models.
 * Runs until SIGTERM or SIGINT, then closes the listener and exits 0.
 */
export async function serve(argv: string[], env: Record<string, string | undefined>): Promise<void> {
  const flags = parseFlags(argv, env);
  if (flags.help) {
    console.log(usage());
    return;
  }
  // The handlers go in before anything starts. As a container's PID 1, a process without a SIGTERM
  // handler ignores the signal, so one that arrived while the server was starting (Kubernetes
  // stopping a pod that is still starting; the REST port answers before gRPC is up) was lost, and
  // the process lived on until the grace period ended in SIGKILL.
  let server: RunningServer | null = null;
  let stopping = false;
  const stop = (running: RunningServer) => void running.close().then(() => process.exit(0));
  const shutdown = () => {
    stopping = true;
    if (server) stop(server);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  server = await startServer(flags);
  if (stopping) stop(server);
}
