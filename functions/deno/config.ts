import { ConfigError } from '../../core/config/config-error.ts';
import { parseObjectUrl, type ObjectLocation } from '../../core/repository/object-url.ts';
import { varText, type Vars } from '../../core/config/flag-vars.ts';
import type { ServiceSettings } from '../../core/service/create-service.ts';
import { readIsolateSettings } from '../../core/service/isolate-settings.ts';
import type { BackendChoice } from './backend.ts';

/**
 * The Deno function's configuration, read once at start from its environment (Deno.env; on Deno
 * Deploy, the project's environment variables):
 *
 *   MODEL_BASE_PATH   the repository root: a folder, or s3://bucket/prefix; every folder under it
 *                     is a model (as the tensorflow/serving image's MODEL_BASE_PATH, without
 *                     MODEL_NAME: all of them). Default ./models.
 *   BACKEND           auto (WebGPU when navigator.gpu has an adapter, else WASM), webgpu, or wasm
 *   PORT, HOST        where Deno.serve listens (Deno Deploy chooses for itself); default 8000 on
 *                     127.0.0.1, loopback as on Node; HOST=0.0.0.0 serves other machines (containers)
 *   S3: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, and
 *       AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL) for an S3-compatible store, path-style
 *
 * plus the serving settings of core/service/isolate-settings.ts (FILE_SYSTEM_POLL_WAIT_SECONDS,
 * CACHE_BYTES, MAX_MODEL_BYTES, ENABLE_BATCHING, API_KEYS, ...). Defaults are the server's, except
 * that versions in S3 are checked every 30 s (each check is a billed LIST request).
 * Throws ConfigError naming the variable.
 */
export interface DenoConfig {
  repository: { kind: 'folder'; path: string } | { kind: 's3'; location: ObjectLocation };
  backend: BackendChoice;
  port: number;
  hostname: string;
  settings: ServiceSettings;
}

export function readDenoConfig(env: Vars): DenoConfig {
  const base = (varText(env, 'MODEL_BASE_PATH') ?? './models').replace(/\/+$/, '') || '/';
  const repository = base.startsWith('s3://') ? { kind: 's3' as const, location: parseObjectUrl(base) } : { kind: 'folder' as const, path: base };
  if (repository.kind === 'folder' && /^[a-z][a-z0-9+.-]*:\/\//i.test(base)) {
    throw new ConfigError(`environment: MODEL_BASE_PATH=${base}: use a folder or an s3:// URL`);
  }
  const backend = varText(env, 'BACKEND') ?? 'auto';
  if (backend !== 'auto' && backend !== 'webgpu' && backend !== 'wasm') {
    throw new ConfigError(`environment: BACKEND=${backend}: expected auto, webgpu or wasm`);
  }
  const port = Number(varText(env, 'PORT') ?? 8000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`environment: PORT=${varText(env, 'PORT')}: expected a port number`);
  const settings = readIsolateSettings(
    env,
    { fileSystemPollWaitSeconds: repository.kind === 's3' ? 30 : 1, cacheBytes: 1024 ** 3 },
    'environment',
  );
  return { repository, backend, port, hostname: varText(env, 'HOST') ?? '127.0.0.1', settings };
}
