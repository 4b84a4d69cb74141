import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.ts';
import { type ServerFlags, parseFlags, usage } from './flags.ts';
import { thrown } from '../../test/support/thrown.ts';

const parse = (argv: string[], env: Record<string, string | undefined> = {}) => parseFlags(argv, env);
const errorOf = (fn: () => unknown): string => thrown(fn, ConfigError).message;

const DEFAULTS: ServerFlags = {
  restApiPort: 8501,
  restApiHost: '127.0.0.1',
  port: 8500,
  modelName: 'default',
  modelBasePath: '/models/default',
  fileSystemPollWaitSeconds: 1,
  modelConfigFilePollWaitSeconds: 0,
  backend: 'node',
  cacheBytes: 1024 ** 3,
  apiKeys: [],
  maxBodyBytes: 64 * 1024 ** 2,
  restApiTimeoutInMs: 30000,
  enableBatching: false,
  restApiEnableCorsSupport: false,
  enableSerializationAsTensorContent: false,
  tensorflowIntraOpParallelism: 0,
  tensorflowInterOpParallelism: 0,
  onnxruntimeAllowSpinning: false,
  onnxruntimePrepacking: true,
  requestLog: 'off',
  requestLogSampleRate: 1,
  device: 'cpu',
  help: false,
};

describe('parseFlags', () => {
  it('applies the defaults', () => {
    expect(parse(['--model_base_path=/models/default'])).toEqual(DEFAULTS);
  });

  it('reads --flag=value and --flag value alike', () => {
    const argv = [
      '--rest_api_port=9000',
      '--rest_api_host',
      '0.0.0.0',
      '--port',
      '0',
      '--model_name=resnet',
      '--model_config_file',
      'conf/models.config',
      '--file_system_poll_wait_seconds',
      '-1',
      '--backend=wasm',
      '--cache_bytes=512MiB',
      '--api_keys= a, b ,,c',
      '--max_body_bytes',
      '1000',
      '--max_tensor_bytes=16MiB',
      '--rest_api_timeout_in_ms=5000',
      '--enable_batching',
      '--batching_parameters_file=batching.config',
      '--rest_api_enable_cors_support=true',
    ];
    expect(parse(argv)).toEqual({
      ...DEFAULTS,
      restApiPort: 9000,
      restApiHost: '0.0.0.0',
      port: 0,
      modelName: 'resnet',
      modelBasePath: undefined,
      modelConfigFile: 'conf/models.config',
      fileSystemPollWaitSeconds: -1,
      backend: 'wasm',
      cacheBytes: 512 * 1024 ** 2,
      apiKeys: ['a', 'b', 'c'],
      maxBodyBytes: 1000,
      maxTensorBytes: 16 * 1024 ** 2,
      restApiTimeoutInMs: 5000,
      enableBatching: true,
      batchingParametersFile: 'batching.config',
      restApiEnableCorsSupport: true,
    });
  });

  it('reads booleans as --flag, --flag=true|false|1|0, a single dash, and lets the last value win', () => {
    const base = ['--model_base_path=/m'];
    expect(parse([...base, '--enable_batching']).enableBatching).toBe(true);
    expect(parse([...base, '--enable_batching=false']).enableBatching).toBe(false);
    expect(parse([...base, '--enable_batching=1']).enableBatching).toBe(true);
    expect(parse([...base, '-enable_batching=0']).enableBatching).toBe(false);
    expect(parse([...base, '--port=1', '--port=2']).port).toBe(2);
  });

  it('parses byte sizes with units', () => {
    const bytes = (v: string) => parse(['--model_base_path=/m', `--cache_bytes=${v}`]).cacheBytes;
    expect(bytes('1073741824')).toBe(1024 ** 3);
    expect(bytes('2GiB')).toBe(2 * 1024 ** 3);
    expect(bytes('2GB')).toBe(2e9);
    expect(bytes('1.5kib')).toBe(1536);
    expect(bytes('100 KB')).toBe(100_000);
  });

  it('falls back to the environment like the tensorflow/serving image; flags win', () => {
    const env = { MODEL_NAME: 'resnet', MODEL_BASE_PATH: '/models/', EDGESERVE_API_KEYS: 'k1,k2' };
    expect(parse([], env)).toMatchObject({ modelName: 'resnet', modelBasePath: '/models/resnet', apiKeys: ['k1', 'k2'] });
    expect(parse(['--model_name=other'], env)).toMatchObject({ modelName: 'other', modelBasePath: '/models/other' });
    expect(parse(['--model_base_path=/x', '--api_keys=k3'], env)).toMatchObject({ modelName: 'resnet', modelBasePath: '/x', apiKeys: ['k3'] });
    const withFile = parse(['--model_config_file=m.config'], env);
    expect(withFile.modelConfigFile).toBe('m.config');
    expect(withFile.modelBasePath).toBeUndefined();
    expect(parse(['--model_base_path=/x'], { MODEL_NAME: '', EDGESERVE_API_KEYS: '' })).toMatchObject({ modelName: 'default', apiKeys: [] });
  });

  it('skips the model checks for --help', () => {
    expect(parse(['--help']).help).toBe(true);
  });

  it.each([
    [['--nope=1'], 'unknown flag --nope (see --help)'],
    [['--constructor'], 'unknown flag --constructor (see --help)'],
    [['serve'], 'unexpected argument "serve": flags look like --name=value (see --help)'],
    [['--model_base_path=/m', '--enable_batching', 'false'], 'unexpected argument "false"'],
    [['--model_base_path'], 'flag --model_base_path needs a value: --model_base_path=<value>'],
    [['--model_base_path', '--port=1'], 'flag --model_base_path needs a value'],
    [['--model_base_path=/m', '--rest_api_port=http'], '--rest_api_port=http: expected a port number 0-65535 (0 = off)'],
    [['--model_base_path=/m', '--port=70000'], '--port=70000: expected a port number 0-65535 (0 = off)'],
    [['--model_base_path=/m', '--backend=cuda'], '--backend=cuda: expected node or wasm'],
    [['--model_base_path=/m', '--enable_batching=yes'], '--enable_batching=yes: expected true or false'],
    [['--model_base_path=/m', '--cache_bytes=0'], '--cache_bytes=0: expected a positive byte count'],
    [['--model_base_path=/m', '--cache_bytes=12XB'], '--cache_bytes=12XB: expected a positive byte count'],
    [['--model_base_path=/m', '--rest_api_timeout_in_ms=0'], '--rest_api_timeout_in_ms=0: expected a positive integer'],
    [['--model_base_path=/m', '--file_system_poll_wait_seconds=1.5'], '--file_system_poll_wait_seconds=1.5: expected an integer'],
    [['--model_base_path='], '--model_base_path=: expected a non-empty value'],
    [['--model_base_path=/m', '--model_config_file=c'], '--model_config_file and --model_base_path cannot be used together'],
    [[], 'no models to serve: pass --model_config_file=<file> or --model_base_path=<folder> (or set MODEL_BASE_PATH)'],
    [['--model_base_path=/m', '--batching_parameters_file=b'], '--batching_parameters_file is set without --enable_batching=true'],
    [['--model_base_path=/m', '--batching_parameters_file=b', '--enable_batching=false'], 'without --enable_batching'],
    [['--model_base_path=/m', '--port=8501'], '--port and --rest_api_port are both 8501: use different ports'],
  ])('rejects %j', (argv, message) => {
    expect(errorOf(() => parse(argv))).toContain(message);
  });

  it('allows both ports at 0 (both off is for the caller to refuse)', () => {
    expect(parse(['--model_base_path=/m', '--port=0', '--rest_api_port=0'])).toMatchObject({ port: 0, restApiPort: 0 });
  });
});

describe('usage', () => {
  it('lists every flag with its default', () => {
    const text = usage();
    expect(text).toContain('--rest_api_port=8501');
    expect(text).toContain('--cache_bytes=1GiB');
    expect(text).toContain('--max_body_bytes=64MiB');
    expect(text).toMatch(/--max_tensor_bytes\n.*default 16 x --max_body_bytes/);
    expect(text).toContain('--model_name=default');
    expect(text).toMatch(/--model_config_file\n/);
    expect(text).toMatch(/--api_keys\n/);
  });
});

describe('--device', () => {
  it('reads --device (cpu or gpu) or EDGESERVE_DEVICE, the flag winning; gpu needs the node backend', () => {
    const base = ['--model_base_path=/models/m'];
    expect(parseFlags(base, {}).device).toBe('cpu');
    expect(parseFlags([...base, '--device', 'gpu'], {}).device).toBe('gpu');
    expect(parseFlags([...base, '--device=gpu'], {}).device).toBe('gpu');
    expect(parseFlags(base, { EDGESERVE_DEVICE: 'gpu' }).device).toBe('gpu');
    expect(parseFlags([...base, '--device=cpu'], { EDGESERVE_DEVICE: 'gpu' }).device).toBe('cpu');
    expect(() => parseFlags(['--device=tpu', ...base], {})).toThrow('--device=tpu: expected cpu or gpu');
    expect(() => parseFlags(base, { EDGESERVE_DEVICE: 'tpu' })).toThrow('EDGESERVE_DEVICE=tpu: expected cpu or gpu');
    expect(() => parseFlags(['--device=gpu', '--backend=wasm', ...base], {})).toThrow('--device=gpu needs --backend=node');
  });
});
