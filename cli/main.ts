import { ConfigError } from '../core/config/config-error.ts';
import { ServingError } from '../core/errors.ts';
import { UsageError } from './args.ts';
import { INSPECT_USAGE, LABEL_USAGE, LS_USAGE, PUSH_USAGE, REPLAY_USAGE, TRAFFIC_USAGE } from './usage.ts';

/*
 * The `edgeserve` command (bin/edgeserve.js): one subcommand per file. With no subcommand but
 * flags (`edgeserve --model_base_path=...`), it serves, like tensorflow_model_server.
 * Exit codes: 0 ok, 1 the repository or model failed (storage, checksum), 2 bad usage or config.
 * Errors print as one line without a stack trace (EDGESERVE_DEBUG=1 prints it).
 */
const USAGE = `Usage: edgeserve <command> [options]

Commands:
  serve [--flag=value ...]   run the model server (tensorflow_model_server flags; serve --help lists them)
  ${PUSH_USAGE.replace(/\n/g, '\n  ')}
  ${LABEL_USAGE.replace(/\n/g, '\n  ')}
  ${TRAFFIC_USAGE.replace(/\n/g, '\n  ')}
  ${LS_USAGE.replace(/\n/g, '\n  ')}
  ${INSPECT_USAGE.replace(/\n/g, '\n  ')}
  ${REPLAY_USAGE.replace(/\n/g, '\n  ')}

REPO is s3://bucket/prefix or a local folder (default: $EDGESERVE_REPOSITORY). For S3-compatible
stores (MinIO, R2) pass --s3_endpoint or set AWS_ENDPOINT_URL_S3; credentials come from the AWS
default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, instance or task roles).
`;

export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      // Each subcommand's code is imported when it runs: `serve` never loads the SDK that push uses.
      case 'serve':
        await (await import('./serve.ts')).serve(rest, env);
        return 0;
      case 'push':
        await (await import('./push.ts')).push(rest, env);
        return 0;
      case 'label':
        await (await import('./label.ts')).label(rest, env);
        return 0;
      case 'traffic':
        await (await import('./traffic.ts')).traffic(rest, env);
        return 0;
      case 'ls':
        await (await import('./ls.ts')).ls(rest, env);
        return 0;
      case 'inspect':
        await (await import('./inspect.ts')).inspect(rest);
        return 0;
      case 'replay':
        await (await import('./replay.ts')).replay(rest, env);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        if (command.startsWith('-')) {
          await (await import('./serve.ts')).serve(argv, env);
          return 0;
        }
        throw new UsageError(`unknown command ${JSON.stringify(command)} (commands: serve, push, label, traffic, ls, inspect)`);
    }
  } catch (err) {
    const usage = err instanceof UsageError || err instanceof ConfigError;
    const known = usage || err instanceof ServingError;
    console.error(`edgeserve: ${known ? (err as Error).message : `unexpected error: ${(err as Error)?.message ?? String(err)}`}`);
    if (env.EDGESERVE_DEBUG && err instanceof Error) console.error(err.stack);
    return usage ? 2 : 1;
  }
}
