import { describe, expect, it } from 'vitest';
import { parseModelJson } from './model-json.ts';

const parse = (doc: unknown) => parseModelJson(JSON.stringify(doc), 'm/model.json', { numBatchThreads: 1 });

describe('model.json traffic and rollback', () => {
  it('reads weights over labels and the rollback guard', () => {
    const s = parse({ labels: { stable: 1, canary: 2 }, traffic: { stable: 90, canary: 10 }, rollback: { max_error_rate: 0.05, min_requests: 200 } });
    expect(s.traffic).toEqual({ stable: 90, canary: 10 });
    expect(s.rollback).toEqual({ maxErrorRate: 0.05, minRequests: 200 });
  });

  it('refuses weights on unknown labels, negative or all-zero weights, and bad guards', () => {
    expect(() => parse({ labels: { stable: 1 }, traffic: { canary: 10 } })).toThrow('m/model.json: traffic.canary: not one of the labels in "labels"');
    expect(() => parse({ traffic: { stable: 10 } })).toThrow('traffic.stable: not one of the labels');
    expect(() => parse({ labels: { stable: 1 }, traffic: { stable: -1 } })).toThrow('traffic.stable: must be a non-negative number, got -1');
    expect(() => parse({ labels: { stable: 1 }, traffic: { stable: 0 } })).toThrow('traffic: needs at least one label with a positive weight');
    expect(() => parse({ rollback: { max_error_rate: 2 } })).toThrow('rollback.max_error_rate: must be a number from 0 to 1, got 2');
    expect(() => parse({ rollback: { max_error_rate: 0.1, min_requests: 0 } })).toThrow('rollback.min_requests: must be a positive integer, got 0');
    expect(() => parse({ rollback: { max_error_rate: 0.1, window: 3 } })).toThrow('rollback: unknown field "window"');
  });
});
