import { describe, expect, it } from 'vitest';
import { noVersionsReason } from './no-versions.ts';

describe('noVersionsReason', () => {
  it('is null when there are versions', () => {
    expect(noVersionsReason('m', ['1'], 1, false)).toBeNull();
  });
  it('names versions that lack a manifest on an object store', () => {
    expect(noVersionsReason('s3://b/m', ['1', '2'], 0, true)).toBe(
      'no versions found at s3://b/m: expected numbered version folders (s3://b/m/1/model.onnx, ...), but 1, 2 have no manifest.json (upload versions with edgeserve push, which writes it last)',
    );
  });
  it('a folder that holds only model.json', () => {
    expect(noVersionsReason('m', ['model.json'], 0, false)).toMatch(/but it holds only model\.json$/);
  });
  it('shortens long listings', () => {
    const names = Array.from({ length: 9 }, (_, i) => `m${i}`);
    expect(noVersionsReason('r', names, 0, false)).toContain('holds m0, m1, m2, m3, m4, m5, ... (9 entries): not numbered');
  });
});
