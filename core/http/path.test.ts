import { describe, expect, it } from 'vitest';
import { thrown } from '../../test/support/thrown.ts';
import { EmptyBodyError, parseModelPath } from './path.ts';

const bad = (method: string, path: string) => () => parseModelPath(method, path);

describe('parseModelPath: the REST URL grammar', () => {
  it('POST verbs, with and without a version or label', () => {
    expect(parseModelPath('POST', '/v1/models/m:predict')).toEqual({ api: 'predict', model: 'm' });
    expect(parseModelPath('POST', '/v1/models/m:classify')).toEqual({ api: 'classify', model: 'm' });
    expect(parseModelPath('POST', '/v1/models/m/versions/3:regress')).toEqual({ api: 'regress', model: 'm', version: 3 });
    expect(parseModelPath('POST', '/v1/models/m/versions/12:predict')).toEqual({ api: 'predict', model: 'm', version: 12 });
    expect(parseModelPath('POST', '/v1/models/m/labels/stable:predict')).toEqual({ api: 'predict', model: 'm', label: 'stable' });
  });

  it('GET status and metadata, with and without a version or label', () => {
    expect(parseModelPath('GET', '/v1/models/m')).toEqual({ api: 'status', model: 'm' });
    expect(parseModelPath('GET', '/v1/models/m/versions/2')).toEqual({ api: 'status', model: 'm', version: 2 });
    expect(parseModelPath('GET', '/v1/models/m/labels/canary')).toEqual({ api: 'status', model: 'm', label: 'canary' });
    expect(parseModelPath('GET', '/v1/models/m/metadata')).toEqual({ api: 'metadata', model: 'm' });
    expect(parseModelPath('GET', '/v1/models/m/versions/2/metadata')).toEqual({ api: 'metadata', model: 'm', version: 2 });
  });

  it('versions: leading zeros are the number; past 2^53 saturate; past int64 are an empty-body 400', () => {
    expect(parseModelPath('GET', '/v1/models/m/versions/0001')).toMatchObject({ version: 1 });
    expect(parseModelPath('GET', '/v1/models/m/versions/9223372036854775807')).toMatchObject({ version: Number.MAX_SAFE_INTEGER });
    expect(thrown(bad('GET', '/v1/models/m/versions/9223372036854775808'), EmptyBodyError).message).toBe('Failed to convert version: 9223372036854775808 to numeric.');
    expect(bad('GET', '/v1/models/m/versions/-1')).toThrow('Malformed request: GET /v1/models/m/versions/-1');
    expect(bad('GET', '/v1/models/m/versions/1x')).toThrow('Malformed request');
  });

  it('the path matches case-insensitively, but the verb and sub-resource must be lower case', () => {
    expect(parseModelPath('POST', '/V1/MODELS/M/VERSIONS/1:predict')).toEqual({ api: 'predict', model: 'M', version: 1 });
    expect(parseModelPath('GET', '/v1/Models/m/metadata')).toEqual({ api: 'metadata', model: 'm' });
    // As in TF Serving: the pattern matches, but only the exact sub-resource "metadata" selects it.
    expect(parseModelPath('GET', '/v1/models/m/Metadata')).toEqual({ api: 'status', model: 'm' });
    expect(bad('POST', '/v1/models/m:PREDICT')).toThrow('Malformed request: POST /v1/models/m:PREDICT');
  });

  it('percent-decodes names and labels (%XX only, + stays +)', () => {
    expect(parseModelPath('POST', '/v1/models/a%2Fb:predict')).toMatchObject({ model: 'a/b' });
    expect(parseModelPath('GET', '/v1/models/a+b/labels/x%20y')).toEqual({ api: 'status', model: 'a+b', label: 'x y' });
    expect(parseModelPath('GET', '/v1/models/caf%C3%A9')).toMatchObject({ model: 'café' });
    expect(parseModelPath('GET', '/v1/models/100%zz')).toMatchObject({ model: '100%zz' });
    expect(thrown(bad('GET', '/v1/models/%FF'), EmptyBodyError).message).toBe('Invalid percent-encoding in model name or label');
  });

  it('bad paths and methods are INVALID_ARGUMENT', () => {
    expect(bad('GET', '/v1/models')).toThrow('Missing model name in request.');
    expect(bad('POST', '/v1/models/m')).toThrow('Malformed request');
    expect(bad('POST', '/v1/models/m:explain')).toThrow('Malformed request');
    expect(bad('GET', '/v1/models/m:predict')).toThrow('Malformed request');
    expect(bad('PUT', '/v1/models/m:predict')).toThrow('Malformed request: PUT /v1/models/m:predict');
    // Only GET reads status paths: PUT and DELETE on one are malformed too.
    expect(bad('PUT', '/v1/models/m')).toThrow('Malformed request: PUT /v1/models/m');
    expect(bad('DELETE', '/v1/models/m/versions/1')).toThrow('Malformed request: DELETE /v1/models/m/versions/1');
    expect(bad('GET', '/v1/models/m/versions/1/labels/x')).toThrow('Malformed request');
    expect(bad('GET', '/v1/models/m/extra')).toThrow('Malformed request');
    expect(bad('GET', '/v2/models/m')).toThrow('Malformed request');
    // The grammar is anchored: no prefix before /v1 (mutation testing found this untested).
    expect(bad('POST', '/x/v1/models/m:predict')).toThrow('Malformed request');
    expect(bad('GET', '/x/v1/models/m')).toThrow('Malformed request');
    expect(bad('POST', '/v1/models/m:predictx')).toThrow('Malformed request');
    try {
      parseModelPath('GET', '/v1/models/m/extra');
    } catch (err) {
      expect(err).toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });
});
