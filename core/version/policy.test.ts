import { describe, expect, it } from 'vitest';
import { ServingError } from '../errors.ts';
import { type VersionRequest, aspiredVersions, parseVersionDir, resolveVersion } from './policy.ts';

describe('parseVersionDir', () => {
  it.each([
    ['1', 1],
    ['42', 42],
    ['00000123', 123],
    ['10', 10],
    ['9007199254740991', 9007199254740991],
  ])('%s is version %d', (name, version) => {
    expect(parseVersionDir(name)).toBe(version);
  });

  it.each(['0', '000', '-1', '+1', ' 1', '1 ', '1.0', '1e3', '0x10', 'v1', '', 'latest', '9007199254740992', '99999999999999999999'])(
    '%j is not a version',
    (name) => {
      expect(parseVersionDir(name)).toBeNull();
    },
  );
});

describe('aspiredVersions', () => {
  const found = [9, 10, 2, 1, 10];

  it('latest(n) keeps the n highest, comparing as numbers (10 > 9)', () => {
    expect(aspiredVersions({ kind: 'latest', numVersions: 1 }, found)).toEqual([10]);
    expect(aspiredVersions({ kind: 'latest', numVersions: 2 }, found)).toEqual([10, 9]);
    expect(aspiredVersions({ kind: 'latest', numVersions: 10 }, found)).toEqual([10, 9, 2, 1]);
  });

  it('latest(0) behaves as latest(1)', () => {
    expect(aspiredVersions({ kind: 'latest', numVersions: 0 }, found)).toEqual([10]);
  });

  it('all keeps every version, highest first', () => {
    expect(aspiredVersions({ kind: 'all' }, found)).toEqual([10, 9, 2, 1]);
  });

  it('specific keeps the listed versions that exist and skips missing ones', () => {
    expect(aspiredVersions({ kind: 'specific', versions: [1, 9, 7] }, found)).toEqual([9, 1]);
    expect(aspiredVersions({ kind: 'specific', versions: [7] }, found)).toEqual([]);
    expect(aspiredVersions({ kind: 'specific', versions: [] }, found)).toEqual([]);
  });

  it('returns nothing when nothing was found', () => {
    expect(aspiredVersions({ kind: 'latest', numVersions: 1 }, [])).toEqual([]);
  });
});

describe('resolveVersion', () => {
  const labels = { stable: 1, canary: 3, gone: 7 };
  const available = new Set([1, 3, 10, 9]);
  const resolve = (request: VersionRequest, avail: ReadonlySet<number> = available) => resolveVersion('m', request, labels, avail);
  const failure = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(ServingError);
      return { code: (err as ServingError).code, message: (err as Error).message };
    }
    throw new Error('expected a ServingError');
  };

  it('without version or label picks the highest available version', () => {
    expect(resolve({})).toBe(10);
  });

  it('returns an available version and a label that points at one', () => {
    expect(resolve({ version: 9 })).toBe(9);
    expect(resolve({ label: 'stable' })).toBe(1);
    expect(resolve({ label: 'canary' })).toBe(3);
  });

  it('lets the label win when a request sets both', () => {
    expect(resolve({ version: 9, label: 'stable' })).toBe(1);
  });

  it("uses TF Serving's wording when nothing matches", () => {
    expect(failure(() => resolve({}, new Set()))).toEqual({ code: 'NOT_FOUND', message: 'Servable not found for request: Latest(m)' });
    expect(failure(() => resolve({ version: 4 }))).toEqual({ code: 'NOT_FOUND', message: 'Servable not found for request: Specific(m, 4)' });
    expect(failure(() => resolve({ label: 'beta' }))).toEqual({ code: 'INVALID_ARGUMENT', message: 'Unrecognized servable version label: beta' });
    expect(failure(() => resolve({ label: 'gone' }))).toEqual({ code: 'NOT_FOUND', message: 'Servable not found for request: Specific(m, 7)' });
  });

  it('does not treat inherited object keys as labels', () => {
    for (const label of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(failure(() => resolve({ label })).code).toBe('INVALID_ARGUMENT');
    }
  });
});
