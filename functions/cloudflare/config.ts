import { ConfigError } from '../../core/config/config-error.ts';
import { varText, type Vars } from '../../core/config/flag-vars.ts';
import type { ServiceSettings } from '../../core/service/create-service.ts';
import { readIsolateSettings } from '../../core/service/isolate-settings.ts';

/**
 * The Worker's configuration, read once per isolate from its vars (wrangler.toml [vars]) and
 * secrets (API_KEYS: `wrangler secret put API_KEYS`): the serving settings of
 * core/service/isolate-settings.ts, plus PREFIX, the repository root inside the R2 bucket bound
 * as MODELS (default: the bucket's root; every folder under it is a model).
 *
 * Defaults differ from the server's where an isolate differs. 128 MB holds onnxruntime's WASM
 * (code and heap: a few tens of MB), the requests, and about twice each model's size while it
 * loads, so versions over MAX_MODEL_BYTES=32MiB are refused with advice to use the container
 * target, and CACHE_BYTES is 48MiB. Each check for new versions is an R2 list call (billed per
 * call), so FILE_SYSTEM_POLL_WAIT_SECONDS is 30. Throws ConfigError naming the variable.
 */
export interface WorkerConfig {
  /** Key prefix of the repository root, without leading or trailing "/"; "" for the bucket root. */
  prefix: string;
  settings: ServiceSettings;
}

export const CONTAINER_ADVICE =
  'a Workers isolate has 128 MB of memory; serve this model from the container target (infra/Dockerfile.cpu or .gpu: onnxruntime-node on CPU or CUDA), or raise MAX_MODEL_BYTES if it fits';

export const WORKER_DEFAULTS = {
  fileSystemPollWaitSeconds: 30,
  cacheBytes: 48 * 1024 ** 2,
  maxModelBytes: 32 * 1024 ** 2,
  maxModelBytesAdvice: CONTAINER_ADVICE,
};

export function readWorkerConfig(vars: Vars): WorkerConfig {
  const prefix = (varText(vars, 'PREFIX') ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix !== '' && prefix.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new ConfigError(`Worker vars: PREFIX=${prefix}: must be a key prefix like "models" or "team/models", without empty, "." or ".." segments`);
  }
  return { prefix, settings: readIsolateSettings(vars, WORKER_DEFAULTS, 'Worker vars') };
}
