import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config/config-error.ts';
import { CONTAINER_ADVICE, readWorkerConfig } from './config.ts';

describe('Worker vars', () => {
  it('defaults for a 128 MB isolate, at the bucket root', () => {
    const { prefix, settings } = readWorkerConfig({});
    expect(prefix).toBe('');
    expect(settings).toMatchObject({
      cacheBytes: 48 * 1024 ** 2,
      maxModelBytes: 32 * 1024 ** 2,
      maxModelBytesAdvice: CONTAINER_ADVICE,
      pollIntervalMs: 30_000,
      apiKeys: [],
      batching: null,
    });
  });

  it('reads the server flags upper-cased, TOML numbers and booleans included', () => {
    const { prefix, settings } = readWorkerConfig({
      PREFIX: '/team/models/',
      FILE_SYSTEM_POLL_WAIT_SECONDS: 5,
      CACHE_BYTES: '64MiB',
      MAX_MODEL_BYTES: '10MB',
      ENABLE_BATCHING: true,
      BATCHING_PARAMETERS: 'max_batch_size { value: 8 } batch_timeout_micros { value: 500 }',
      API_KEYS: 'k1, k2',
    });
    expect(prefix).toBe('team/models');
    expect(settings).toMatchObject({ pollIntervalMs: 5000, cacheBytes: 64 * 1024 ** 2, maxModelBytes: 10e6, apiKeys: ['k1', 'k2'] });
    expect(settings.batching).toMatchObject({ maxBatchSize: 8, batchTimeoutMicros: 500 });
    expect(readWorkerConfig({ ENABLE_BATCHING: 'true' }).settings.batching).toMatchObject({ maxBatchSize: 1000, batchTimeoutMicros: 0 });
    expect(readWorkerConfig({ FILE_SYSTEM_POLL_WAIT_SECONDS: '0' }).settings.pollIntervalMs).toBe(-1);
    expect(readWorkerConfig({ MAX_BODY_BYTES: '1MiB' }).settings.maxTensorBytes).toBe(16 * 1024 ** 2);
    expect(readWorkerConfig({ MAX_TENSOR_BYTES: '4MiB' }).settings.maxTensorBytes).toBe(4 * 1024 ** 2);
  });

  it('names the variable in errors', () => {
    const error = (vars: Record<string, unknown>) => {
      try {
        readWorkerConfig(vars);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(error({ CACHE_BYTES: 'lots' })).toMatch(/^Worker vars: CACHE_BYTES=lots: expected a positive byte count/);
    expect(error({ PREFIX: 'a/../b' })).toContain('PREFIX=a/../b');
    expect(error({ BATCHING_PARAMETERS: 'max_batch_size { value: 8 }' })).toBe('Worker vars: BATCHING_PARAMETERS is set without ENABLE_BATCHING=true');
  });
});
