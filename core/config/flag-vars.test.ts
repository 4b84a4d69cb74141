import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.ts';
import { flagsFromVars, varText } from './flag-vars.ts';

const BASE = ['--model_base_path=.'];

describe('flagsFromVars', () => {
  it('reads the named variables as the flags they name, strings or TOML values', () => {
    const flags = flagsFromVars({ CACHE_BYTES: '64MiB', ENABLE_BATCHING: true, REST_API_TIMEOUT_IN_MS: 5000, PORT: '1' }, { names: ['CACHE_BYTES', 'ENABLE_BATCHING', 'REST_API_TIMEOUT_IN_MS'], where: 'env', argv: BASE });
    expect(flags).toMatchObject({ cacheBytes: 64 * 1024 ** 2, enableBatching: true, restApiTimeoutInMs: 5000, port: 8500 });
  });

  it('ignores variables it was not asked for, and empty ones', () => {
    const flags = flagsFromVars({ CACHE_BYTES: '', MAX_BODY_BYTES: '1KB', EDGESERVE_API_KEYS: 'k' }, { names: ['CACHE_BYTES'], where: 'env', argv: BASE });
    expect(flags).toMatchObject({ cacheBytes: 1024 ** 3, maxBodyBytes: 64 * 1024 ** 2, apiKeys: [] });
    expect(varText({ a: null, b: 0, c: false }, 'a')).toBeUndefined();
    expect([varText({ b: 0 }, 'b'), varText({ c: false }, 'c')]).toEqual(['0', 'false']);
  });

  it('applies MODEL_NAME, MODEL_BASE_PATH and EDGESERVE_API_KEYS only when asked, as the server does', () => {
    const vars = { MODEL_NAME: 'resnet', MODEL_BASE_PATH: 's3://bucket/models/', EDGESERVE_API_KEYS: 'a,b' };
    expect(flagsFromVars(vars, { names: [], where: 'env', modelVariables: true })).toMatchObject({ modelName: 'resnet', modelBasePath: 's3://bucket/models/resnet', apiKeys: ['a', 'b'] });
    expect(() => flagsFromVars(vars, { names: [], where: 'env' })).toThrow('no models to serve');
  });

  it('names the variable, not the flag, in errors', () => {
    const error = (() => {
      try {
        flagsFromVars({ CACHE_BYTES: 'lots' }, { names: ['CACHE_BYTES'], where: 'Worker vars', argv: BASE });
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^Worker vars: CACHE_BYTES=lots: expected a positive byte count/);
  });
});
