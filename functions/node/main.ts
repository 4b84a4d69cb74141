import { ConfigError } from '../../core/config/config-error.ts';
import { parseFlags, usage } from './flags.ts';
import { startServer } from './server.ts';

/** `edgeserve serve` / `npm start`: tensorflow_model_server's command line over ONNX models. */
async function main(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, process.env);
  if (flags.help) {
    console.log(usage());
    return;
  }
  const server = await startServer(flags);
  const shutdown = () => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err instanceof ConfigError ? `edgeserve: ${err.message}` : err);
  process.exit(2);
});
