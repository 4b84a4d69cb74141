import { ConfigError } from '../config/config-error.ts';

/**
 * model.json's progressive-delivery keys (parsed here so model-json.ts stays small):
 *   "traffic":  {"stable": 90, "canary": 10}                 weights over labels, non-negative
 *   "rollback": {"max_error_rate": 0.05, "min_requests": 200} per-instance guard (core/manager/rollback.ts)
 *   "warmup":   {"num_request_iterations": 1}                  replays of each TF Serving warmup record
 * Every traffic label must be one of model.json's "labels". Pure; throws ConfigError naming the key.
 */
export interface RollbackGuard {
  /** A label's version is pulled once errors / requests exceeds this (0..1). */
  maxErrorRate: number;
  /** ...and at least this many requests have been counted. */
  minRequests: number;
}

export function readTraffic(value: unknown, labels: Record<string, number> | undefined, where: string): Record<string, number> {
  const obj = object(value, where);
  const out: Record<string, number> = {};
  for (const [label, weight] of Object.entries(obj)) {
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new ConfigError(`${where}.${label}: must be a non-negative number, got ${JSON.stringify(weight)}`);
    }
    if (!labels || !Object.hasOwn(labels, label)) throw new ConfigError(`${where}.${label}: not one of the labels in "labels"`);
    Object.defineProperty(out, label, { value: weight, enumerable: true, writable: true, configurable: true });
  }
  if (!Object.values(out).some((w) => w > 0)) throw new ConfigError(`${where}: needs at least one label with a positive weight`);
  return out;
}

export function readRollback(value: unknown, where: string): RollbackGuard {
  const obj = object(value, where);
  for (const key of Object.keys(obj)) {
    if (key !== 'max_error_rate' && key !== 'min_requests') throw new ConfigError(`${where}: unknown field "${key}" (expected one of: max_error_rate, min_requests)`);
  }
  const rate = obj.max_error_rate;
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw new ConfigError(`${where}.max_error_rate: must be a number from 0 to 1, got ${JSON.stringify(rate)}`);
  const min = obj.min_requests ?? 100;
  if (typeof min !== 'number' || !Number.isSafeInteger(min) || min < 1) throw new ConfigError(`${where}.min_requests: must be a positive integer, got ${JSON.stringify(min)}`);
  return { maxErrorRate: rate, minRequests: min };
}

/** "warmup": {"num_request_iterations": N} (TF Serving's ModelWarmupOptions): N >= 1. */
export function readWarmupOptions(value: unknown, where: string): number {
  const obj = object(value, where);
  for (const key of Object.keys(obj)) {
    if (key !== 'num_request_iterations') throw new ConfigError(`${where}: unknown field "${key}" (expected one of: num_request_iterations)`);
  }
  const n = obj.num_request_iterations === undefined ? 1 : obj.num_request_iterations;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new ConfigError(`${where}.num_request_iterations: must be a positive integer, got ${JSON.stringify(n)}`);
  return n;
}

function object(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`${where}: must be a JSON object`);
  return value as Record<string, unknown>;
}
