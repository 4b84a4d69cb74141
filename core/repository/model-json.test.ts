import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.ts';
import { parseModelJson } from './model-json.ts';

const parse = (doc: unknown) => parseModelJson(typeof doc === 'string' ? doc : JSON.stringify(doc), 'm/model.json', { numBatchThreads: 2 });
const POLICY_FORMS = '{"latest": {"num_versions": N}}, {"all": {}} or {"specific": {"versions": [N, ...]}}';

describe('parseModelJson', () => {
  it('reads every version policy form, labels and batching', () => {
    expect(parse({ version_policy: { latest: { num_versions: 2 } } })).toEqual({ versionPolicy: { kind: 'latest', numVersions: 2 } });
    expect(parse({ version_policy: { latest: {} } })).toEqual({ versionPolicy: { kind: 'latest', numVersions: 1 } });
    expect(parse({ version_policy: { all: {} } })).toEqual({ versionPolicy: { kind: 'all' } });
    expect(parse({ version_policy: { specific: { versions: [1, 3, 3] } } })).toEqual({ versionPolicy: { kind: 'specific', versions: [3, 1] } });
    expect(parse({ labels: { stable: 3, canary: 4 } })).toEqual({ labels: { stable: 3, canary: 4 } });
    expect(parse({ batching: { max_batch_size: 16 } }).batching).toMatchObject({ maxBatchSize: 16, numBatchThreads: 2 });
    const axes = { h: 1, c: 1, sr: 'shared' };
    expect(parse({ batching: { batch_axes: axes } }).batching).toMatchObject({ maxBatchSize: 1000, batchAxes: axes });
    expect(parse({})).toEqual({});
  });

  it('keeps a "__proto__" label as data', () => {
    const labels = parse('{"labels": {"__proto__": 2}}').labels!;
    expect(Object.hasOwn(labels, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
  });

  it('reads model.json as bytes, as storage hands it over', () => {
    const bytes = new TextEncoder().encode('{"labels": {"stable": 3}}');
    expect(parseModelJson(bytes, 'm/model.json', { numBatchThreads: 2 })).toEqual({ labels: { stable: 3 } });
  });

  it('reads placement, warmup, capture and shadow', () => {
    expect(
      parse({ placement: 'container', labels: { stable: 1, canary: 2 }, warmup: { num_request_iterations: 2 }, capture: { sample_rate: 0.5 }, shadow: { label: 'canary', share: 0.1 } }),
    ).toEqual({
      placement: 'container',
      labels: { stable: 1, canary: 2 },
      warmupIterations: 2,
      capture: { sampleRate: 0.5, errors: true, inputs: true, outputs: true },
      shadow: { label: 'canary', share: 0.1, tolerance: 1e-5 },
    });
  });

  it('takes any shadow label when model.json sets no labels (the config file may set them)', () => {
    expect(parse({ shadow: { label: 'canary' } }).shadow).toEqual({ label: 'canary', share: 1, tolerance: 1e-5 });
  });

  it('treats "latest": {"num_versions": 0} as 1, as TF Serving does', () => {
    expect(parse({ version_policy: { latest: { num_versions: 0 } } })).toEqual({ versionPolicy: { kind: 'latest', numVersions: 1 } });
  });

  it('keeps each label an ordinary, writable property', () => {
    const labels = parse({ labels: { stable: 3 } }).labels!;
    expect(Object.getOwnPropertyDescriptor(labels, 'stable')).toEqual({ value: 3, enumerable: true, writable: true, configurable: true });
  });

  // Whole messages: they are what an operator reads, naming the file, the key and the value.
  it.each([
    ['null', 'm/model.json: must be a JSON object'],
    ['5', 'm/model.json: must be a JSON object'],
    ['"labels"', 'm/model.json: must be a JSON object'],
    [{ shadow: { label: 'canary' }, labels: { stable: 1 } }, 'm/model.json: shadow: label "canary" is not one of the model\'s labels'],
    [{ shadow: { label: '' } }, "m/model.json: shadow: label must name one of the model's labels"],
    [{ warmup: { num_request_iterations: 0 } }, 'm/model.json: warmup.num_request_iterations: must be a positive integer, got 0'],
    [{ capture: { sample_rate: 2 } }, 'm/model.json: capture: sample_rate must be a number from 0 to 1'],
    [{ batching: [1] }, 'm/model.json: batching: must be a JSON object'],
    [{ version_policy: { latest: {}, all: {} } }, `m/model.json: version_policy: must be one of ${POLICY_FORMS}`],
    [{ version_policy: { latest: 2 } }, 'm/model.json: version_policy.latest: must be a JSON object'],
    [{ version_policy: { latest: { num: 2 } } }, 'm/model.json: version_policy.latest: unknown field "num" (expected one of: num_versions)'],
    [{ version_policy: { latest: { num_versions: -1 } } }, 'm/model.json: version_policy.latest.num_versions: must be a non-negative integer, got -1'],
    [{ version_policy: { specific: { version: [1] } } }, 'm/model.json: version_policy.specific: unknown field "version" (expected one of: versions)'],
    [{ version_policy: { specific: { versions: [0] } } }, 'm/model.json: version_policy.specific.versions[0]: must be a positive integer, got 0'],
  ])('rejects %j with exactly its message', (doc, message) => {
    expect(() => parse(doc)).toThrow(ConfigError);
    expect(() => parse(doc)).toThrow(new ConfigError(message));
  });

  it.each([
    ['{', 'm/model.json: invalid JSON'],
    [[], 'm/model.json: must be a JSON object'],
    [{ labels: { stable: 0 } }, 'm/model.json: labels.stable: must be a positive integer, got 0'],
    [{ labels: { stable: '3' } }, 'labels.stable: must be a positive integer, got "3"'],
    [{ labels: { 'a b': 1 } }, 'invalid label name "a b"'],
    [{ version_policy: { latest: {}, all: {} } }, 'version_policy: must be one of'],
    [{ version_policy: { newest: {} } }, 'unknown policy "newest"'],
    [{ version_policy: { specific: { versions: [] } } }, 'specific.versions: must be a non-empty list'],
    [{ version_policy: { specific: { versions: [1.5] } } }, 'specific.versions[0]: must be a positive integer'],
    [{ version_policy: { all: { x: 1 } } }, 'version_policy.all: unknown field "x" (expected no fields)'],
    [{ lables: {} }, 'unknown field "lables" (expected one of: version_policy, labels, batching, placement, traffic, rollback, warmup, capture, shadow)'],
    [{ batching: { max_batch_size: 0 } }, 'm/model.json: batching: max_batch_size: max_batch_size must be positive'],
    [{ batching: { batch_axes: { h: -1 } } }, 'm/model.json: batching.batch_axes.h: must be an axis number (0, 1, ...) or "shared", got -1'],
    [{ batching: { batch_axes: [1] } }, 'm/model.json: batching.batch_axes: must be a JSON object'],
  ])('rejects %j', (doc, message) => {
    expect(() => parse(doc)).toThrow(message);
  });
});
