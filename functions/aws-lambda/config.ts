import { parseByteCount } from '../../core/config/byte-count.ts';
import { ConfigError } from '../../core/config/config-error.ts';
import { flagsFromVars } from '../../core/config/flag-vars.ts';
import type { ServerFlags } from '../../core/config/flags.ts';

/**
 * The Lambda function's settings, read once per environment from its variables (serverless.yml
 * `environment`). The names are the Node server's flags upper-cased (CACHE_BYTES is --cache_bytes),
 * parsed by the same code, so values, units and checks are the same on every target:
 *
 *   MODEL_NAME, MODEL_BASE_PATH       one model at $MODEL_BASE_PATH/$MODEL_NAME (tensorflow/serving's
 *                                     image convention), e.g. s3://bucket/models + half_plus_two
 *   MODEL_CONFIG_FILE                 or many: a config file inside the package whose base_paths are
 *                                     s3:// URLs (or folders in the package, relative to the file);
 *                                     it wins over MODEL_BASE_PATH, as --model_config_file does
 *   FILE_SYSTEM_POLL_WAIT_SECONDS, CACHE_BYTES, API_KEYS (or EDGESERVE_API_KEYS), MAX_BODY_BYTES, MAX_TENSOR_BYTES,
 *   REST_API_TIMEOUT_IN_MS, REST_API_ENABLE_CORS_SUPPORT, TENSORFLOW_INTRA_OP_PARALLELISM,
 *   TENSORFLOW_INTER_OP_PARALLELISM, ONNXRUNTIME_ALLOW_SPINNING (onnxruntime's threads)
 *
 * S3 is configured as for the server (docs/storage.md): S3_ENDPOINT (--s3_endpoint) or
 * AWS_ENDPOINT_URL_S3 for an S3-compatible store, AWS_REGION and the function role's credentials,
 * which Lambda puts in the environment. Lambda-only: TMP_CACHE_DIR and TMP_CACHE_BYTES (the /tmp
 * disk tier; 0 turns it off). Defaults differ from the server's where Lambda differs: versions are
 * revalidated every 30 s (each check is a LIST request), and the model cache defaults to half the
 * function's memory. ENABLE_BATCHING is refused on standard Lambda (an environment serves one request
 * at a time) and on by default on Lambda Managed Instances (AWS_LAMBDA_MAX_CONCURRENCY > 1), with
 * TF Serving's default BatchingParameters and one onnxruntime intra-op thread per worker thread.
 * Pure: no process access. Throws ConfigError naming the variable.
 */
export interface LambdaConfig {
  flags: ServerFlags;
  /** Folder of the disk tier; its files outlive the module, not the execution environment. */
  tmpCacheDir: string;
  /** Byte budget of the disk tier; 0: no disk tier. */
  tmpCacheBytes: number;
  /** The variables, for the S3 client (endpoint, region, credentials). */
  env: Env;
}

type Env = Record<string, string | undefined>;

/** Variables that become the server flag of the same name, lower-cased. */
const FLAG_VARIABLES = [
  'MODEL_CONFIG_FILE',
  'FILE_SYSTEM_POLL_WAIT_SECONDS',
  'CACHE_BYTES',
  'API_KEYS',
  'MAX_BODY_BYTES',
  'MAX_TENSOR_BYTES',
  'REST_API_TIMEOUT_IN_MS',
  'REST_API_ENABLE_CORS_SUPPORT',
  'ENABLE_BATCHING',
  'S3_ENDPOINT',
  'TENSORFLOW_INTRA_OP_PARALLELISM',
  'TENSORFLOW_INTER_OP_PARALLELISM',
  'ONNXRUNTIME_ALLOW_SPINNING',
  'REQUEST_LOG',
  'REQUEST_LOG_SAMPLE_RATE',
] as const;

export const LAMBDA_DEFAULTS = {
  fileSystemPollWaitSeconds: 30,
  tmpCacheDir: '/tmp/edgeserve-models',
  /** Three quarters of Lambda's default 512 MB of /tmp. */
  tmpCacheBytes: 384 * 1024 ** 2,
  /** Used for the cache budget when AWS_LAMBDA_FUNCTION_MEMORY_SIZE is absent (a local run). */
  cacheBytes: 1024 ** 3,
};

export function readLambdaConfig(env: Env): LambdaConfig {
  if (!set(env.MODEL_BASE_PATH) && !set(env.MODEL_CONFIG_FILE)) {
    throw new ConfigError(
      'environment: no models to serve: set MODEL_BASE_PATH=s3://bucket/prefix (serves its MODEL_NAME folder) or MODEL_CONFIG_FILE=<a config file in the package>',
    );
  }
  const flags = flagsFromVars(env, { names: FLAG_VARIABLES, where: 'environment', modelVariables: true });
  // Lambda Managed Instances set AWS_LAMBDA_MAX_CONCURRENCY: one environment then takes many
  // requests at once (Node 22+: spread over worker threads, one module instance and model copy
  // each), so batching has requests to merge and is on by default; each worker thread is one
  // vCPU's share, so onnxruntime gets one intra-op thread unless told otherwise.
  const managed = Number(env.AWS_LAMBDA_MAX_CONCURRENCY) > 1;
  if (flags.enableBatching && !managed) {
    throw new ConfigError(
      'environment: ENABLE_BATCHING is not available on standard Lambda: an environment serves one request at a time, so a batch ' +
        'could only ever hold one request. Send many instances in one request instead (client-side batching), or run on Lambda Managed Instances.',
    );
  }
  if (managed && !set(env.ENABLE_BATCHING)) flags.enableBatching = true;
  if (managed && !set(env.TENSORFLOW_INTRA_OP_PARALLELISM)) flags.tensorflowIntraOpParallelism = 1;
  if (!set(env.FILE_SYSTEM_POLL_WAIT_SECONDS)) flags.fileSystemPollWaitSeconds = LAMBDA_DEFAULTS.fileSystemPollWaitSeconds;
  if (!set(env.CACHE_BYTES)) flags.cacheBytes = defaultCacheBytes(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  return {
    flags,
    tmpCacheDir: set(env.TMP_CACHE_DIR) ? env.TMP_CACHE_DIR! : LAMBDA_DEFAULTS.tmpCacheDir,
    tmpCacheBytes: set(env.TMP_CACHE_BYTES) ? byteCount(env.TMP_CACHE_BYTES!, 'TMP_CACHE_BYTES') : LAMBDA_DEFAULTS.tmpCacheBytes,
    env,
  };
}

/** Half the function's memory: the other half is for onnxruntime's buffers and the runtime. */
function defaultCacheBytes(memoryMb: string | undefined): number {
  const mb = Number(memoryMb);
  return Number.isSafeInteger(mb) && mb > 0 ? Math.floor((mb * 1024 ** 2) / 2) : LAMBDA_DEFAULTS.cacheBytes;
}

/** A byte count with the server flags' units (512MiB, 2GB); 0 is allowed and means "off". */
function byteCount(value: string, name: string): number {
  const n = parseByteCount(value.trim());
  if (Number.isNaN(n)) throw new ConfigError(`environment: ${name}=${value}: expected a byte count like 512MiB or 2GB (0 = off)`);
  return n;
}

function set(value: string | undefined): boolean {
  return value !== undefined && value !== '';
}
