import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config/config-error.ts';
import { LAMBDA_DEFAULTS, readLambdaConfig } from './config.ts';

const errorOf = (env: Record<string, string>): string => {
  try {
    readLambdaConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};
const ONE_MODEL = { MODEL_NAME: 'resnet', MODEL_BASE_PATH: 's3://bucket/models/' };

describe('readLambdaConfig', () => {
  it('serves $MODEL_BASE_PATH/$MODEL_NAME with Lambda defaults', () => {
    const config = readLambdaConfig({ ...ONE_MODEL, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '2048' });
    expect(config.flags).toMatchObject({
      modelName: 'resnet',
      modelBasePath: 's3://bucket/models/resnet',
      fileSystemPollWaitSeconds: 30,
      cacheBytes: 1024 * 1024 ** 2, // half of the function's memory
      enableBatching: false,
      apiKeys: [],
    });
    expect(config).toMatchObject({ tmpCacheDir: '/tmp/edgeserve-models', tmpCacheBytes: LAMBDA_DEFAULTS.tmpCacheBytes });
    expect(readLambdaConfig(ONE_MODEL).flags.cacheBytes).toBe(LAMBDA_DEFAULTS.cacheBytes);
  });

  it('reads the server flags upper-cased, with their units', () => {
    const config = readLambdaConfig({
      MODEL_CONFIG_FILE: 'models.config',
      FILE_SYSTEM_POLL_WAIT_SECONDS: '0',
      CACHE_BYTES: '512MiB',
      API_KEYS: 'k1, k2',
      MAX_BODY_BYTES: '6MB',
      MAX_TENSOR_BYTES: '32MB',
      REST_API_TIMEOUT_IN_MS: '5000',
      REST_API_ENABLE_CORS_SUPPORT: 'true',
      TMP_CACHE_DIR: '/tmp/m',
      TMP_CACHE_BYTES: '1.5GiB',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
    });
    expect(config.flags).toMatchObject({
      modelConfigFile: 'models.config',
      fileSystemPollWaitSeconds: 0,
      cacheBytes: 512 * 1024 ** 2,
      apiKeys: ['k1', 'k2'],
      maxBodyBytes: 6e6,
      maxTensorBytes: 32e6,
      restApiTimeoutInMs: 5000,
      restApiEnableCorsSupport: true,
      s3Endpoint: 'http://127.0.0.1:9000',
    });
    expect(config.flags.modelBasePath).toBeUndefined();
    expect(config).toMatchObject({ tmpCacheDir: '/tmp/m', tmpCacheBytes: 1.5 * 1024 ** 3 });
  });

  it('lets MODEL_CONFIG_FILE win over MODEL_BASE_PATH, as --model_config_file does', () => {
    const { flags } = readLambdaConfig({ ...ONE_MODEL, MODEL_CONFIG_FILE: 'models.config' });
    expect(flags.modelConfigFile).toBe('models.config');
    expect(flags.modelBasePath).toBeUndefined();
  });

  it('takes EDGESERVE_API_KEYS as the server does; empty variables count as unset', () => {
    expect(readLambdaConfig({ ...ONE_MODEL, EDGESERVE_API_KEYS: 'a' }).flags.apiKeys).toEqual(['a']);
    expect(readLambdaConfig({ ...ONE_MODEL, CACHE_BYTES: '', TMP_CACHE_DIR: '' })).toMatchObject({ tmpCacheDir: '/tmp/edgeserve-models' });
  });

  it('turns the disk tier off with TMP_CACHE_BYTES=0; keeps the variables for the S3 client', () => {
    expect(readLambdaConfig({ ...ONE_MODEL, TMP_CACHE_BYTES: '0' }).tmpCacheBytes).toBe(0);
    expect(readLambdaConfig({ ...ONE_MODEL, AWS_REGION: 'eu-west-1' }).env.AWS_REGION).toBe('eu-west-1');
  });

  it('batches by default on Lambda Managed Instances, with one intra-op thread; flags win', () => {
    const managed = { ...ONE_MODEL, AWS_LAMBDA_MAX_CONCURRENCY: '64' };
    expect(readLambdaConfig(managed).flags).toMatchObject({ enableBatching: true, tensorflowIntraOpParallelism: 1 });
    expect(readLambdaConfig({ ...managed, ENABLE_BATCHING: 'false', TENSORFLOW_INTRA_OP_PARALLELISM: '2' }).flags).toMatchObject({
      enableBatching: false,
      tensorflowIntraOpParallelism: 2,
    });
    expect(readLambdaConfig(ONE_MODEL).flags).toMatchObject({ enableBatching: false, tensorflowIntraOpParallelism: 0, onnxruntimeAllowSpinning: false });
  });

  it.each([
    [{}, 'no models to serve: set MODEL_BASE_PATH=s3://bucket/prefix'],
    [{ ...ONE_MODEL, CACHE_BYTES: 'lots' }, 'environment: CACHE_BYTES=lots: expected a positive byte count'],
    [{ ...ONE_MODEL, FILE_SYSTEM_POLL_WAIT_SECONDS: 'soon' }, 'FILE_SYSTEM_POLL_WAIT_SECONDS=soon: expected an integer'],
    [{ ...ONE_MODEL, ENABLE_BATCHING: 'true' }, 'ENABLE_BATCHING is not available on standard Lambda'],
    [{ ...ONE_MODEL, TMP_CACHE_BYTES: '-1' }, 'TMP_CACHE_BYTES=-1: expected a byte count'],
  ])('refuses %j', (env, message) => {
    expect(errorOf(env as Record<string, string>)).toContain(message);
  });
});
