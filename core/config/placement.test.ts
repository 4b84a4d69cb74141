import { describe, expect, it } from 'vitest';
import { ServingError } from '../errors.ts';
import { parseModelJson } from '../repository/model-json.ts';
import { ConfigError } from './config-error.ts';
import { checkPlacement } from './placement.ts';

describe('placement', () => {
  it('is read from model.json, "any" or "container"', () => {
    expect(parseModelJson('{"placement": "container"}', 'big/model.json', { numBatchThreads: 1 })).toEqual({ placement: 'container' });
    expect(parseModelJson('{"placement": "any"}', 'm/model.json', { numBatchThreads: 1 })).toEqual({ placement: 'any' });
    expect(parseModelJson('{}', 'm/model.json', { numBatchThreads: 1 })).toEqual({});
    expect(() => parseModelJson('{"placement": "gpu"}', 'm/model.json', { numBatchThreads: 1 })).toThrow(
      new ConfigError('m/model.json: placement: must be one of "any", "container", got "gpu"'),
    );
  });

  it('makes edge targets refuse a container model, naming where it is served', () => {
    let err: unknown;
    try {
      checkPlacement('big', 'container', 'edge', 'https://models.example.com');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ServingError);
    expect((err as ServingError).code).toBe('FAILED_PRECONDITION');
    expect((err as ServingError).message).toBe(
      'Model big is marked "placement": "container" in its model.json, so this edge target does not serve it; it is served by the container tier: https://models.example.com',
    );
    expect(() => checkPlacement('big', 'container', 'edge')).toThrow(/container tier: the container target \(infra\/Dockerfile\.cpu or \.gpu/);
  });

  it('lets the container tier serve everything, and edge targets serve the rest', () => {
    expect(() => checkPlacement('big', 'container', 'container')).not.toThrow();
    expect(() => checkPlacement('small', 'any', 'edge')).not.toThrow();
    expect(() => checkPlacement('small', undefined, 'edge')).not.toThrow();
  });
});
