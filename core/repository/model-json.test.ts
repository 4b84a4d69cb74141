import { describe, expect, it } from 'vitest';
import { parseModelJson } from './model-json.ts';

const parse = (doc: unknown) => parseModelJson(typeof doc === 'string' ? doc : JSON.stringify(doc), 'm/model.json', { numBatchThreads: 2 });

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
