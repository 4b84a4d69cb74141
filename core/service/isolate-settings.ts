import { defaultBatchingParameters, parseBatchingParameters } from '../../core/config/batching.ts';
import { ConfigError } from '../../core/config/config-error.ts';
import type { EdgeSettings } from '../../core/edge/service.ts';
import { parseFlags } from '../node/flags.ts';

/**
 * Serving settings of the isolate targets (Cloudflare Worker, Deno) from their variables. Names are
 * the server's flags upper-cased and values are parsed by the server's own flag parser, so units
 * and checks are the same on every target:
 *
 *   FILE_SYSTEM_POLL_WAIT_SECONDS, CACHE_BYTES, MAX_MODEL_BYTES, ENABLE_BATCHING, API_KEYS,
 *   MAX_BODY_BYTES, REST_API_TIMEOUT_IN_MS, REST_API_ENABLE_CORS_SUPPORT
 *
 * plus BATCHING_PARAMETERS, the text of a --batching_parameters_file (isolates have no files).
 * Each target passes the defaults where it differs from the server. Values may be strings or TOML
 * numbers and booleans (wrangler [vars]). Throws ConfigError naming the variable (`where` says
 * whose variables: "Worker vars", "environment").
 */
export type Vars = Record<string, unknown>;

export interface EdgeDefaults {
  fileSystemPollWaitSeconds: number;
  cacheBytes: number;
  maxModelBytes?: number;
  maxModelBytesAdvice?: string;
}

const FLAG_VARIABLES = [
  'FILE_SYSTEM_POLL_WAIT_SECONDS',
  'CACHE_BYTES',
  'MAX_MODEL_BYTES',
  'ENABLE_BATCHING',
  'API_KEYS',
  'MAX_BODY_BYTES',
  'REST_API_TIMEOUT_IN_MS',
  'REST_API_ENABLE_CORS_SUPPORT',
] as const;

/** A variable's value as text; undefined when unset or empty. */
export function varText(vars: Vars, name: string): string | undefined {
  const v = vars[name];
  return v === undefined || v === null || v === '' ? undefined : String(v);
}

export function readEdgeSettings(vars: Vars, defaults: EdgeDefaults, where: string): EdgeSettings {
  const set = (name: string) => varText(vars, name) !== undefined;
  const argv = FLAG_VARIABLES.filter(set).map((name) => `--${name.toLowerCase()}=${varText(vars, name)}`);
  argv.push('--model_base_path=.'); // the models come from the repository root; this only satisfies parseFlags
  let flags;
  try {
    flags = parseFlags(argv, {});
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(`${where}: ${err.message.replace(/--([a-z_]+)/g, (_, name: string) => name.toUpperCase())}`);
  }
  const batchingText = varText(vars, 'BATCHING_PARAMETERS');
  if (batchingText !== undefined && !flags.enableBatching) throw new ConfigError(`${where}: BATCHING_PARAMETERS is set without ENABLE_BATCHING=true`);
  const poll = set('FILE_SYSTEM_POLL_WAIT_SECONDS') ? flags.fileSystemPollWaitSeconds : defaults.fileSystemPollWaitSeconds;
  return {
    cacheBytes: set('CACHE_BYTES') ? flags.cacheBytes : defaults.cacheBytes,
    // TF Serving: 0 polls once, negative never; either way the repository is listed once, on first use.
    pollIntervalMs: poll > 0 ? poll * 1000 : -1,
    maxModelBytes: flags.maxModelBytes ?? defaults.maxModelBytes,
    maxModelBytesAdvice: defaults.maxModelBytesAdvice,
    apiKeys: flags.apiKeys,
    maxBodyBytes: flags.maxBodyBytes,
    timeoutMs: flags.restApiTimeoutInMs,
    cors: flags.restApiEnableCorsSupport,
    batching: !flags.enableBatching
      ? null
      : batchingText !== undefined
        ? parseBatchingParameters(batchingText, `${where}: BATCHING_PARAMETERS`, { numBatchThreads: 1 })
        : defaultBatchingParameters({ numBatchThreads: 1 }),
  };
}
