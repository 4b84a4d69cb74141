import { parseFlags, usage } from '../core/config/flags.ts';
import { startServer } from '../runtime/node/server.ts';

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
  const server = await startServer(flags);
  const shutdown = () => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
