import { ConfigError } from '../config/config-error.ts';
import { flagsFromVars, varText, type Vars } from '../config/flag-vars.ts';
import type { ServiceSettings } from './create-service.ts';
import { batchingFrom, settingsFromFlags } from './settings.ts';

/**
 * Serving settings of the isolate targets (Cloudflare Worker, Deno) from their variables. Names are
 * the server's flags upper-cased and values are parsed by the server's own flag table, so units
 * and checks are the same on every target:
 *
 *   FILE_SYSTEM_POLL_WAIT_SECONDS, CACHE_BYTES, MAX_MODEL_BYTES, ENABLE_BATCHING, API_KEYS,
 *   MAX_BODY_BYTES, MAX_TENSOR_BYTES, REST_API_TIMEOUT_IN_MS, REST_API_ENABLE_CORS_SUPPORT
 *
 * plus BATCHING_PARAMETERS, the text of a --batching_parameters_file (isolates have no files).
 * Each target passes the defaults where it differs from the server. Values may be strings or TOML
 * numbers and booleans (wrangler [vars]). Isolates are the edge tier: models placed on the
 * container tier are refused. Throws ConfigError naming the variable (`where` says whose
 * variables: "Worker vars", "environment").
 */
export interface IsolateDefaults {
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
  'MAX_TENSOR_BYTES',
  'REST_API_TIMEOUT_IN_MS',
  'REST_API_ENABLE_CORS_SUPPORT',
  'REQUEST_LOG',
  'REQUEST_LOG_SAMPLE_RATE',
] as const;

export function readIsolateSettings(vars: Vars, defaults: IsolateDefaults, where: string): ServiceSettings {
  const set = (name: string) => varText(vars, name) !== undefined;
  // The models come from the repository root; the placeholder path only satisfies the flag checks.
  const flags = flagsFromVars(vars, { names: FLAG_VARIABLES, where, argv: ['--model_base_path=.'] });
  const batchingText = varText(vars, 'BATCHING_PARAMETERS');
  if (batchingText !== undefined && !flags.enableBatching) throw new ConfigError(`${where}: BATCHING_PARAMETERS is set without ENABLE_BATCHING=true`);
  if (!set('FILE_SYSTEM_POLL_WAIT_SECONDS')) flags.fileSystemPollWaitSeconds = defaults.fileSystemPollWaitSeconds;
  if (!set('CACHE_BYTES')) flags.cacheBytes = defaults.cacheBytes;
  flags.maxModelBytes ??= defaults.maxModelBytes;
  const batching = flags.enableBatching ? batchingFrom(batchingText, `${where}: BATCHING_PARAMETERS`) : null;
  return { ...settingsFromFlags(flags, batching), maxModelBytesAdvice: defaults.maxModelBytesAdvice, tier: 'edge' };
}
