import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.ts';
import { type ModelConfig, parseModelServerConfig, singleModelConfig } from './model-config.ts';
import { thrown } from '../../test/support/thrown.ts';

// The example from TF Serving's serving_config.md (spec section 12), plus a second model.
const TF_CONFIG = `
model_config_list {
  config {
    name: "my_model"
    base_path: "/models/my_model"          # absolute path/URI, excluding the version dir
    model_platform: "tensorflow"           # required
    model_version_policy { latest { num_versions: 2 } }
    version_labels { key: "stable" value: 42 }
    version_labels { key: "canary" value: 43 }
    logging_config { log_collector_config { type: "x" } }
  }
  config: {
    name: 'other'
    base_path: 'relative/other'
    model_platform: 'onnx'
    model_version_policy: { specific { versions: 43 versions: 42 versions: 43 } }
  }
}
`;

const EXPECTED: ModelConfig[] = [
  {
    name: 'my_model',
    basePath: '/models/my_model',
    platform: 'tensorflow',
    versionPolicy: { kind: 'latest', numVersions: 2 },
    labels: { stable: 42, canary: 43 },
  },
  {
    name: 'other',
    basePath: '/etc/serving/relative/other',
    platform: 'onnx',
    versionPolicy: { kind: 'specific', versions: [43, 42] },
    labels: {},
  },
];

const parse = (text: string, baseDir = '/etc/serving') => parseModelServerConfig(text, 'models.config', baseDir);
const one = (fields: string) => parse(`model_config_list { config { ${fields} } }`)[0];
const errorOf = (fn: () => unknown): string => thrown(fn, ConfigError).message;
const base = 'name: "m" base_path: "/m" model_platform: "onnx"';

describe('parseModelServerConfig', () => {
  it("reads TF Serving's text format", () => {
    expect(parse(TF_CONFIG)).toEqual(EXPECTED);
  });

  it('reads the same config as proto3 JSON, snake_case or lowerCamelCase', () => {
    const json = {
      model_config_list: {
        config: [
          {
            name: 'my_model',
            base_path: '/models/my_model',
            model_platform: 'tensorflow',
            model_version_policy: { latest: { num_versions: 2 } },
            version_labels: { stable: 42, canary: '43' },
          },
          { name: 'other', basePath: 'relative/other', modelPlatform: 'onnx', modelVersionPolicy: { specific: { versions: ['43', 42] } } },
        ],
      },
    };
    expect(parse(JSON.stringify(json, null, 2))).toEqual(parse(TF_CONFIG));
    const camel = { modelConfigList: { config: [{ name: 'm', basePath: '/m', modelPlatform: 'onnx', versionLabels: { a: 1 } }] } };
    expect(parse(JSON.stringify(camel))).toEqual([{ ...singleModelConfig('m', '/m'), labels: { a: 1 } }]);
  });

  it('applies defaults: latest 1 without a policy, with an empty policy, and for num_versions 0', () => {
    const latest1 = { kind: 'latest', numVersions: 1 };
    expect(one(base).versionPolicy).toEqual(latest1);
    expect(one(`${base} model_version_policy {}`).versionPolicy).toEqual(latest1);
    expect(one(`${base} model_version_policy { latest {} }`).versionPolicy).toEqual(latest1);
    expect(one(`${base} model_version_policy { latest { num_versions: 0 } }`).versionPolicy).toEqual(latest1);
    expect(one(`${base} model_version_policy { all {} }`).versionPolicy).toEqual({ kind: 'all' });
    expect(one(`${base} model_version_policy { specific {} }`).versionPolicy).toEqual({ kind: 'specific', versions: [] });
  });

  it('accepts an empty file and an empty list', () => {
    expect(parse('')).toEqual([]);
    expect(parse('model_config_list {}')).toEqual([]);
    expect(parse('{}')).toEqual([]);
  });

  it('lets a later label entry win and keeps odd label names as own properties', () => {
    const labels = one(`${base} version_labels { key: "a" value: 1 } version_labels { key: "a" value: 2 } version_labels { key: "__proto__" value: 3 }`).labels;
    expect(labels.a).toBe(2);
    expect(Object.hasOwn(labels, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
  });

  it.each([
    ['models/m', '/etc/serving', '/etc/serving/models/m'],
    ['./m', '/etc/serving/', '/etc/serving/m'],
    ['../m', '/etc/serving', '/etc/m'],
    ['../../../m', '/etc', '/m'],
    ['m', '/', '/m'],
    ['m', 'conf', 'conf/m'],
    ['../m', 'conf', 'm'],
    ['../../m', 'conf', '../m'],
    ['m', '', 'm'],
    ['/abs/m', '/etc', '/abs/m'],
    ['s3://bucket/m', '/etc', 's3://bucket/m'],
    ['m', 's3://bucket/prefix/', 's3://bucket/prefix/m'],
    ['../m', 's3://bucket/prefix', 's3://bucket/m'],
    ['m', 'C:\\models', 'C:\\models/m'],
    ['D:\\m', 'C:\\models', 'D:\\m'],
  ])('resolves base_path %s against %s', (path, dir, expected) => {
    expect(parse(`model_config_list { config { name: "m" base_path: "${path.replace(/\\/g, '\\\\')}" model_platform: "onnx" } }`, dir)[0].basePath).toBe(
      expected,
    );
  });

  it.each([
    ['two configs with one name', `config { ${base} } config { ${base} }`, 'models.config:1:81: Illegal to list model m multiple times in config list'],
    ['no name', 'config { base_path: "/m" model_platform: "onnx" }', 'invalid model name ""'],
    ['name with /', 'config { name: "a/b" base_path: "/m" model_platform: "onnx" }', 'invalid model name "a/b"'],
    ['name with \\', 'config { name: "a\\\\b" base_path: "/m" model_platform: "onnx" }', 'invalid model name "a\\\\b"'],
    ['name ..', 'config { name: ".." base_path: "/m" model_platform: "onnx" }', 'invalid model name ".."'],
    ['name .', 'config { name: "." base_path: "/m" model_platform: "onnx" }', 'invalid model name "."'],
    ['no base_path', 'config { name: "m" model_platform: "onnx" }', 'models.config:1:21: model m has no base_path'],
    ['no platform', 'config { name: "m" base_path: "/m" }', 'models.config:1:21: model m has no model_platform (required; use "onnx")'],
    ['other platform', 'config { name: "m" base_path: "/m" model_platform: "pytorch" }', 'model m has model_platform "pytorch"; supported: "onnx", "tensorflow"'],
    ['two policies', `config { ${base} model_version_policy { all {} latest {} } }`, 'model_version_policy must set only one of latest, all, specific'],
    ['negative num_versions', `config { ${base} model_version_policy { latest { num_versions: -1 } } }`, 'num_versions must not be negative'],
    ['version 0', `config { ${base} model_version_policy { specific { versions: 0 } } }`, 'versions must be a positive integer, got 0'],
    ['label 0', `config { ${base} version_labels { key: "a" value: 0 } }`, 'version label a must be a positive integer, got 0'],
    ['label -1', `config { ${base} version_labels { key: "a" value: -1 } }`, 'version label a must be a positive integer, got -1'],
    ['label 1.5', `config { ${base} version_labels { key: "a" value: 1.5 } }`, 'value must be an integer'],
    ['label without key', `config { ${base} version_labels { value: 1 } }`, 'version_labels entry has no key'],
    ['label without value', `config { ${base} version_labels { key: "a" } }`, 'version label a has no value'],
    ['unknown field', `config { ${base} model_type: TENSORFLOW }`, 'unknown field "model_type"'],
    ['unquoted name', 'config { name: m }', 'name must be a quoted string'],
    ['name twice', `config { ${base} name: "n" }`, 'name is specified more than once'],
  ])('rejects %s', (_, list, message) => {
    expect(errorOf(() => parse(`model_config_list { ${list} }`))).toContain(message);
  });

  it('rejects an unknown top-level field, a syntax error and bad JSON, naming the file', () => {
    expect(errorOf(() => parse('custom_model_config {}'))).toBe('models.config:1:1: unknown field "custom_model_config" (expected one of: model_config_list)');
    expect(errorOf(() => parse('model_config_list { config { name "m" } }'))).toBe(
      'models.config:1:35: expected ":" or "{" after field name "name", found "\\"m\\""',
    );
    expect(errorOf(() => parse('{"model_config_list": '))).toMatch(/^models\.config: invalid JSON/);
    expect(errorOf(() => parse('{"model_config_list": {"config": [{"name": "m", "base_path": 3}]}}'))).toBe(
      'models.config: model_config_list.config[0].base_path: base_path must be a quoted string',
    );
  });
});

describe('singleModelConfig', () => {
  it('builds the one-model config of --model_name/--model_base_path', () => {
    expect(singleModelConfig('default', '/models/default')).toEqual({
      name: 'default',
      basePath: '/models/default',
      platform: 'onnx',
      versionPolicy: { kind: 'latest', numVersions: 1 },
      labels: {},
    });
    expect(errorOf(() => singleModelConfig('a/b', '/m'))).toBe('--model_name: invalid model name "a/b" (must be non-empty, not "." or "..", without "/" or "\\")');
  });
});
