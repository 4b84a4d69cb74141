import { parseByteCount } from './byte-count.ts';
import { ConfigError } from './config-error.ts';

/**
 * tensorflow_model_server's flag table, parsed and checked: the settings of every target. The Node
 * and container servers read it from their command line (parseFlags); Lambda, the Worker and Deno
 * from variables named as the flags upper-cased (flag-vars.ts). Platform-free and pure.
 * Invariants when help is false: exactly one of modelBasePath / modelConfigFile is set;
 * batchingParametersFile implies enableBatching; the two ports differ unless one is 0 (off).
 */
export interface ServerFlags {
  restApiPort: number;
  restApiHost: string;
  /** gRPC port. */
  port: number;
  modelName: string;
  modelBasePath?: string;
  modelConfigFile?: string;
  fileSystemPollWaitSeconds: number;
  modelConfigFilePollWaitSeconds: number;
  backend: 'node' | 'wasm';
  cacheBytes: number;
  /** Largest model version loaded (bytes of its files); unset: no limit. Edge targets set one. */
  maxModelBytes?: number;
  /** Empty: no authentication. */
  apiKeys: string[];
  maxBodyBytes: number;
  /** Bytes one request's input tensors may take in all; unset: 16 x maxBodyBytes (core/tensor/budget.ts). */
  maxTensorBytes?: number;
  restApiTimeoutInMs: number;
  enableBatching: boolean;
  batchingParametersFile?: string;
  restApiEnableCorsSupport: boolean;
  /** Binary predict (gRPC and application/x-protobuf) answers tensor_content, not typed *_val fields. */
  enableSerializationAsTensorContent: boolean;
  /** S3-compatible endpoint for s3:// base paths; unset: AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, else AWS. */
  s3Endpoint?: string;
  /** onnxruntime threads inside one operator; 0: onnxruntime's choice (core/backend/ort-threads.ts). */
  tensorflowIntraOpParallelism: number;
  /** onnxruntime operators run side by side; 0 or 1: sequential. */
  tensorflowInterOpParallelism: number;
  /** Let onnxruntime's idle threads busy-wait between runs (lower latency, one core burned). */
  onnxruntimeAllowSpinning: boolean;
  /** One JSON line per request: off, errors (4xx and 5xx), or all (successes sampled by requestLogSampleRate). */
  requestLog: 'off' | 'errors' | 'all';
  requestLogSampleRate: number;
  /** onnxruntime's weight prepacking (a packed copy of MatMul weights for faster batches); off: a cold load holds the weights once. */
  onnxruntimePrepacking: boolean;
  /** Node server: the onnxruntime-node execution provider, cpu or gpu (CUDA with CPU fallback; runtime/node/device.ts). */
  device: 'cpu' | 'gpu';
  help: boolean;
}

const DEFAULTS: ServerFlags = {
  restApiPort: 8501,
  restApiHost: '127.0.0.1',
  port: 8500,
  modelName: 'default',
  fileSystemPollWaitSeconds: 1,
  modelConfigFilePollWaitSeconds: 0,
  backend: 'node',
  cacheBytes: 1024 ** 3,
  apiKeys: [],
  maxBodyBytes: 64 * 1024 ** 2,
  restApiTimeoutInMs: 30_000,
  enableBatching: false,
  restApiEnableCorsSupport: false,
  enableSerializationAsTensorContent: false,
  tensorflowIntraOpParallelism: 0,
  tensorflowInterOpParallelism: 0,
  onnxruntimeAllowSpinning: false,
  requestLog: 'off',
  requestLogSampleRate: 1,
  onnxruntimePrepacking: true,
  device: 'cpu',
  help: false,
};

/** A value parser: returns the typed value or throws an Error whose message ends "expected ...". */
type Parse = (value: string) => unknown;

const fail = (expected: string): never => {
  throw new Error(`expected ${expected}`);
};
const port: Parse = (v) => (/^\d+$/.test(v) && Number(v) <= 65535 ? Number(v) : fail('a port number 0-65535 (0 = off)'));
const integer: Parse = (v) => (/^-?\d+$/.test(v) && Number.isSafeInteger(Number(v)) ? Number(v) : fail('an integer'));
const positiveInt: Parse = (v) => (/^\d+$/.test(v) && Number(v) > 0 && Number.isSafeInteger(Number(v)) ? Number(v) : fail('a positive integer'));
const threads: Parse = (v) => (/^\d+$/.test(v) && Number(v) <= 1024 ? Number(v) : fail('a thread count 0-1024 (0 = onnxruntime\'s choice)'));
const text: Parse = (v) => (v !== '' ? v : fail('a non-empty value'));
const bool: Parse = (v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : fail('true or false'));
const backend: Parse = (v) => (v === 'node' || v === 'wasm' ? v : fail('node or wasm'));
const device: Parse = (v) => (v === 'cpu' || v === 'gpu' ? v : fail('cpu or gpu'));
const requestLog: Parse = (v) => (v === 'off' || v === 'errors' || v === 'all' ? v : fail('off, errors or all'));
const fraction: Parse = (v) => (/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/.test(v) ? Number(v) : fail('a number from 0 to 1'));
const list: Parse = (v) => v.split(',').map((s) => s.trim()).filter((s) => s !== '');

const bytes: Parse = (v) => {
  const n = parseByteCount(v);
  return n > 0 ? n : fail('a positive byte count, like 1073741824, 512MiB or 2GB');
};

interface Flag {
  key: keyof ServerFlags;
  parse: Parse;
  help: string;
}

const FLAGS: Record<string, Flag> = {
  rest_api_port: { key: 'restApiPort', parse: port, help: 'HTTP/REST port; 0 = off' },
  rest_api_host: { key: 'restApiHost', parse: text, help: 'HTTP/REST address to bind; use 0.0.0.0 in containers' },
  port: { key: 'port', parse: port, help: 'gRPC port; 0 = off' },
  model_name: { key: 'modelName', parse: text, help: 'name of the one model served from --model_base_path (env MODEL_NAME)' },
  model_base_path: { key: 'modelBasePath', parse: text, help: 'folder or URL holding the model\'s version folders (env MODEL_BASE_PATH: its parent)' },
  model_config_file: { key: 'modelConfigFile', parse: text, help: 'ModelServerConfig file, text format or JSON; excludes --model_base_path' },
  file_system_poll_wait_seconds: { key: 'fileSystemPollWaitSeconds', parse: integer, help: 'seconds between version scans; 0 or negative = list once, on first use' },
  model_config_file_poll_wait_seconds: {
    key: 'modelConfigFilePollWaitSeconds',
    parse: integer,
    help: 'seconds between reads of --model_config_file, applying a changed model list without a restart; 0 = read once',
  },
  backend: { key: 'backend', parse: backend, help: 'node (onnxruntime-node) or wasm (onnxruntime-web)' },
  cache_bytes: { key: 'cacheBytes', parse: bytes, help: 'byte budget of loaded models (suffixes KB, MB, GB, KiB, MiB, GiB)' },
  max_model_bytes: { key: 'maxModelBytes', parse: bytes, help: 'refuse model versions larger than this, before reading them; default: no limit' },
  api_keys: { key: 'apiKeys', parse: list, help: 'comma-separated keys that requests must present; empty = open (env EDGESERVE_API_KEYS)' },
  max_body_bytes: { key: 'maxBodyBytes', parse: bytes, help: 'largest request body accepted' },
  max_tensor_bytes: {
    key: 'maxTensorBytes',
    parse: bytes,
    help: "bytes one request's input tensors may take in all (a shape filled from one value counts whole); default 16 x --max_body_bytes",
  },
  rest_api_timeout_in_ms: { key: 'restApiTimeoutInMs', parse: positiveInt, help: 'per-request timeout' },
  enable_batching: { key: 'enableBatching', parse: bool, help: 'merge concurrent requests into batches' },
  batching_parameters_file: { key: 'batchingParametersFile', parse: text, help: 'BatchingParameters file (text format); needs --enable_batching' },
  rest_api_enable_cors_support: { key: 'restApiEnableCorsSupport', parse: bool, help: 'answer CORS preflight requests' },
  enable_serialization_as_tensor_content: {
    key: 'enableSerializationAsTensorContent',
    parse: bool,
    help: 'binary predict outputs (gRPC, application/x-protobuf) as tensor_content instead of typed *_val fields',
  },
  s3_endpoint: { key: 's3Endpoint', parse: text, help: 'S3-compatible endpoint for s3:// paths, path-style (MinIO, R2); default AWS_ENDPOINT_URL_S3' },
  tensorflow_intra_op_parallelism: {
    key: 'tensorflowIntraOpParallelism',
    parse: threads,
    help: "onnxruntime threads per operator (intra_op_num_threads); 0 = onnxruntime's choice, one per physical core",
  },
  tensorflow_inter_op_parallelism: {
    key: 'tensorflowInterOpParallelism',
    parse: threads,
    help: 'onnxruntime operators run in parallel on this many threads; 0 or 1 = sequential (best for chain-like graphs)',
  },
  onnxruntime_allow_spinning: {
    key: 'onnxruntimeAllowSpinning',
    parse: bool,
    help: "let onnxruntime's idle pool threads spin between runs: lower latency, but a core stays busy",
  },
  request_log: {
    key: 'requestLog',
    parse: requestLog,
    help: 'one JSON line per request (request id, API, model, version, label, status, error, latency, trace id): off, errors, or all',
  },
  request_log_sample_rate: { key: 'requestLogSampleRate', parse: fraction, help: 'with --request_log=all, the share of successful requests logged (errors always are)' },
  onnxruntime_prepacking: {
    key: 'onnxruntimePrepacking',
    parse: bool,
    help: "onnxruntime's packed copy of MatMul weights (faster batches); false: a cold load holds the weights once, mapped from disk",
  },
  device: { key: 'device', parse: device, help: 'cpu, or gpu: onnxruntime-node CUDA with CPU fallback (env EDGESERVE_DEVICE; node backend)' },
  help: { key: 'help', parse: bool, help: 'print this help and exit' },
};

/**
 * Parses argv (without the node and script entries) like tensorflow_model_server:
 * `--flag=value`, `--flag value`, booleans as `--flag` or `--flag=true|false`; one dash works too;
 * a repeated flag's last value wins. Environment fallbacks, as in the tensorflow/serving image:
 * MODEL_NAME for --model_name; MODEL_BASE_PATH, the parent folder, gives --model_base_path
 * $MODEL_BASE_PATH/<model_name> unless --model_base_path or --model_config_file is given;
 * EDGESERVE_API_KEYS for --api_keys; EDGESERVE_DEVICE for --device. Flags win over env. Pure: no process access.
 * Throws ConfigError naming the flag for unknown flags, bad values and conflicting flags.
 */
export function parseFlags(argv: readonly string[], env: Record<string, string | undefined>): ServerFlags {
  const flags: ServerFlags = { ...DEFAULTS };
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--?([A-Za-z0-9_]+)(?:=(.*))?$/s.exec(argv[i]);
    if (!m) throw new ConfigError(`unexpected argument ${JSON.stringify(argv[i])}: flags look like --name=value (see --help)`);
    const [, name, inline] = m;
    if (!Object.hasOwn(FLAGS, name)) throw new ConfigError(`unknown flag --${name} (see --help)`);
    const flag = FLAGS[name];
    let value = inline;
    if (value === undefined && flag.parse === bool) value = 'true';
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new ConfigError(`flag --${name} needs a value: --${name}=<value>`);
    }
    try {
      (flags as unknown as Record<string, unknown>)[flag.key] = flag.parse(value);
    } catch (err) {
      throw new ConfigError(`--${name}=${value}: ${(err as Error).message}`);
    }
    given.add(name);
  }
  if (!given.has('model_name') && env.MODEL_NAME) flags.modelName = env.MODEL_NAME;
  if (!given.has('api_keys') && env.EDGESERVE_API_KEYS) flags.apiKeys = list(env.EDGESERVE_API_KEYS) as string[];
  if (!given.has('device') && env.EDGESERVE_DEVICE) {
    try {
      flags.device = device(env.EDGESERVE_DEVICE) as ServerFlags['device'];
    } catch (err) {
      throw new ConfigError(`EDGESERVE_DEVICE=${env.EDGESERVE_DEVICE}: ${(err as Error).message}`);
    }
  }
  if (!given.has('model_base_path') && !given.has('model_config_file') && env.MODEL_BASE_PATH) {
    flags.modelBasePath = `${env.MODEL_BASE_PATH.replace(/\/+$/, '')}/${flags.modelName}`;
  }
  if (!flags.help) check(flags);
  return flags;
}

function check(flags: ServerFlags): void {
  if (flags.modelConfigFile !== undefined && flags.modelBasePath !== undefined) {
    throw new ConfigError('--model_config_file and --model_base_path cannot be used together: list the models in the config file');
  }
  if (flags.modelConfigFile === undefined && flags.modelBasePath === undefined) {
    throw new ConfigError('no models to serve: pass --model_config_file=<file> or --model_base_path=<folder> (or set MODEL_BASE_PATH)');
  }
  if (flags.batchingParametersFile !== undefined && !flags.enableBatching) {
    throw new ConfigError('--batching_parameters_file is set without --enable_batching=true');
  }
  if (flags.device === 'gpu' && flags.backend !== 'node') {
    throw new ConfigError('--device=gpu needs --backend=node (onnxruntime-node runs CUDA; the wasm backend is CPU only)');
  }
  if (flags.port !== 0 && flags.port === flags.restApiPort) {
    throw new ConfigError(`--port and --rest_api_port are both ${flags.port}: use different ports`);
  }
}

/**
 * --file_system_poll_wait_seconds as the manager's and catalog's pollIntervalMs. TF Serving: 0
 * polls once, negative never; either way the repository is listed once, on first use (-1).
 */
export function pollIntervalMs(fileSystemPollWaitSeconds: number): number {
  return fileSystemPollWaitSeconds > 0 ? fileSystemPollWaitSeconds * 1000 : -1;
}

/** The --help text: every flag with its default. */
export function usage(): string {
  const lines = Object.entries(FLAGS).map(([name, flag]) => {
    const value = DEFAULTS[flag.key];
    const shown = value === undefined || (Array.isArray(value) && value.length === 0) ? '' : `=${showDefault(flag, value)}`;
    return `  --${name}${shown}\n      ${flag.help}`;
  });
  return `Usage: edgeserve [--flag=value ...]\n\nFlags (with defaults):\n${lines.join('\n')}\n`;
}

function showDefault(flag: Flag, value: unknown): string {
  if (flag.parse !== bytes || typeof value !== 'number') return String(value);
  if (value % 1024 ** 3 === 0) return `${value / 1024 ** 3}GiB`;
  return value % 1024 ** 2 === 0 ? `${value / 1024 ** 2}MiB` : String(value);
}
