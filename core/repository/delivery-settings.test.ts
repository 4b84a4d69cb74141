import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.ts';
import { parseModelJson } from './model-json.ts';

const parse = (doc: unknown) => parseModelJson(typeof doc === 'string' ? doc : JSON.stringify(doc), 'm/model.json', { numBatchThreads: 1 });
/** Expects parse(doc) to throw a ConfigError with exactly this message. */
const refuses = (doc: unknown, message: string) => {
  expect(() => parse(doc)).toThrow(ConfigError);
  expect(() => parse(doc)).toThrow(new ConfigError(message));
};

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

  it('accepts a zero weight beside a positive one (a label kept ready but sent nothing)', () => {
    expect(parse({ labels: { stable: 1, canary: 2 }, traffic: { stable: 100, canary: 0 } }).traffic).toEqual({ stable: 100, canary: 0 });
  });

  it('refuses a weight that is not a finite number', () => {
    refuses({ labels: { stable: 1 }, traffic: { stable: '90' } }, 'm/model.json: traffic.stable: must be a non-negative number, got "90"');
    // 1e999 parses as Infinity, which JSON.stringify writes as null.
    refuses('{"labels": {"stable": 1}, "traffic": {"stable": 1e999}}', 'm/model.json: traffic.stable: must be a non-negative number, got null');
  });

  it('keeps each traffic label an ordinary, writable property, "__proto__" included', () => {
    const traffic = parse('{"labels": {"__proto__": 1}, "traffic": {"__proto__": 5}}').traffic!;
    expect(Object.getPrototypeOf(traffic)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(traffic, '__proto__')).toEqual({ value: 5, enumerable: true, writable: true, configurable: true });
  });

  it('accepts error rates from exactly 0 to exactly 1, and one request as the minimum', () => {
    expect(parse({ rollback: { max_error_rate: 0 } }).rollback).toEqual({ maxErrorRate: 0, minRequests: 100 });
    expect(parse({ rollback: { max_error_rate: 1, min_requests: 1 } }).rollback).toEqual({ maxErrorRate: 1, minRequests: 1 });
  });

  it('refuses a missing, quoted or out-of-range error rate', () => {
    refuses({ rollback: { min_requests: 5 } }, 'm/model.json: rollback.max_error_rate: must be a number from 0 to 1, got undefined');
    refuses({ rollback: { max_error_rate: '0.05' } }, 'm/model.json: rollback.max_error_rate: must be a number from 0 to 1, got "0.05"');
    refuses({ rollback: { max_error_rate: -0.01 } }, 'm/model.json: rollback.max_error_rate: must be a number from 0 to 1, got -0.01');
    refuses({ rollback: { max_error_rate: 1.01 } }, 'm/model.json: rollback.max_error_rate: must be a number from 0 to 1, got 1.01');
  });

  it('refuses a minimum request count that is not a positive integer', () => {
    refuses({ rollback: { max_error_rate: 0.1, min_requests: '200' } }, 'm/model.json: rollback.min_requests: must be a positive integer, got "200"');
    refuses({ rollback: { max_error_rate: 0.1, min_requests: 1.5 } }, 'm/model.json: rollback.min_requests: must be a positive integer, got 1.5');
    refuses({ rollback: { max_error_rate: 0.1, min_requests: 0 } }, 'm/model.json: rollback.min_requests: must be a positive integer, got 0');
  });

  it.each([
    ['a number', 5],
    ['null', null],
    ['a list', [90, 10]],
  ])('refuses traffic that is %s, not an object', (_what, traffic) => {
    refuses({ labels: { stable: 1 }, traffic }, 'm/model.json: traffic: must be a JSON object');
  });

  it('refuses a rollback guard that is not an object', () => {
    refuses({ rollback: 0.05 }, 'm/model.json: rollback: must be a JSON object');
  });
});

describe('model.json warmup', () => {
  it('reads the number of replays per warmup record, 1 when not given', () => {
    expect(parse({ warmup: { num_request_iterations: 3 } })).toEqual({ warmupIterations: 3 });
    expect(parse({ warmup: { num_request_iterations: 1 } })).toEqual({ warmupIterations: 1 });
    expect(parse({ warmup: {} })).toEqual({ warmupIterations: 1 });
  });

  it('refuses unknown fields, naming the one field it knows', () => {
    refuses({ warmup: { iterations: 3 } }, 'm/model.json: warmup: unknown field "iterations" (expected one of: num_request_iterations)');
  });

  it('refuses a replay count that is not a positive integer', () => {
    refuses({ warmup: { num_request_iterations: '3' } }, 'm/model.json: warmup.num_request_iterations: must be a positive integer, got "3"');
    refuses({ warmup: { num_request_iterations: 2.5 } }, 'm/model.json: warmup.num_request_iterations: must be a positive integer, got 2.5');
    refuses({ warmup: { num_request_iterations: 0 } }, 'm/model.json: warmup.num_request_iterations: must be a positive integer, got 0');
    refuses({ warmup: { num_request_iterations: null } }, 'm/model.json: warmup.num_request_iterations: must be a positive integer, got null');
  });

  it.each([
    ['a number', 3],
    ['null', null],
    ['a list', [3]],
  ])('refuses warmup that is %s, not an object', (_what, warmup) => {
    refuses({ warmup }, 'm/model.json: warmup: must be a JSON object');
  });
});
