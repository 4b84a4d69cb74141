import { readBatchAxes } from '../config/batch-axes.ts';
import { parseBatchingParameters, type BatchingDefaults, type BatchingParameters } from '../config/batching.ts';
import { ConfigError } from '../config/config-error.ts';
import type { VersionPolicy } from '../config/model-config.ts';
import { readPlacement, type Placement } from '../config/placement.ts';
import { readRollback, readTraffic, readWarmupOptions, type RollbackGuard } from './delivery-settings.ts';
import { readCapture, type CaptureSettings } from '../capture/capture-settings.ts';
import { readShadow, type ShadowSettings } from '../shadow/shadow-settings.ts';

/*
 * `<base>/model.json`: per-model settings that live next to the versions, so that changing them is
 * one upload (move `stable` from 3 to 4, or back). Every key is optional; a present key replaces
 * the config file's value for that model, an absent one leaves it.
 *
 *   {
 *     "version_policy": {"latest": {"num_versions": 2}} | {"all": {}} | {"specific": {"versions": [1, 2]}},
 *     "labels": {"stable": 3, "canary": 4},
 *     "batching": {"max_batch_size": 32, "batch_timeout_micros": 2000, ...}   (BatchingParameters, snake_case)
 *                 plus "batch_axes": {"h": 1, "sr": "shared"}   (config/batch-axes.ts)
 *     "placement": "any" | "container"   (core/config/placement.ts: edge targets refuse "container")
 *     "traffic": {"stable": 90, "canary": 10}, "rollback": {"max_error_rate": 0.05, "min_requests": 200}
 *                 (progressive delivery: delivery-settings.ts, core/version/traffic.ts)
 *     "warmup": {"num_request_iterations": 1}   (replays of each TF Serving warmup record)
 *     "capture": {"sample_rate": 0.01, "errors": true, ...}   (core/capture: requests kept for replay)
 *     "shadow": {"label": "canary", "share": 0.1}   (core/shadow: requests run again there and compared)
 *   }
 *
 * The manager reads it at discovery and on each revalidation; the CLI writes it (`edgeserve label`).
 * parseModelJson is pure and throws ConfigError naming `where` and the offending key.
 */
export const MODEL_JSON_FILE = 'model.json';

export interface ModelSettings {
  versionPolicy?: VersionPolicy;
  labels?: Record<string, number>;
  batching?: BatchingParameters;
  /** "container": only the container tier serves this model (core/config/placement.ts). */
  placement?: Placement;
  /** Weights over labels for requests that pin neither a version nor a label. */
  traffic?: Record<string, number>;
  rollback?: RollbackGuard;
  warmupIterations?: number;
  capture?: CaptureSettings;
  shadow?: ShadowSettings;
}

const POLICY_FORMS = '{"latest": {"num_versions": N}}, {"all": {}} or {"specific": {"versions": [N, ...]}}';

export function parseModelJson(input: Uint8Array | string, where: string, defaults: BatchingDefaults): ModelSettings {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof input === 'string' ? input : new TextDecoder().decode(input));
  } catch (err) {
    throw new ConfigError(`${where}: invalid JSON: ${(err as Error).message}`);
  }
  const root = object(doc, where);
  expectOnly(root, ['version_policy', 'labels', 'batching', 'placement', 'traffic', 'rollback', 'warmup', 'capture', 'shadow'], where);
  const settings: ModelSettings = {};
  if (root.placement !== undefined) settings.placement = readPlacement(root.placement, `${where}: placement`);
  if (root.version_policy !== undefined) settings.versionPolicy = readPolicy(root.version_policy, `${where}: version_policy`);
  if (root.labels !== undefined) settings.labels = readLabels(root.labels, `${where}: labels`);
  if (root.traffic !== undefined) settings.traffic = readTraffic(root.traffic, settings.labels, `${where}: traffic`);
  if (root.rollback !== undefined) settings.rollback = readRollback(root.rollback, `${where}: rollback`);
  if (root.warmup !== undefined) settings.warmupIterations = readWarmupOptions(root.warmup, `${where}: warmup`);
  if (root.capture !== undefined) settings.capture = readCapture(root.capture, `${where}: capture`);
  if (root.shadow !== undefined) {
    settings.shadow = readShadow(root.shadow, `${where}: shadow`);
    if (settings.labels && !Object.hasOwn(settings.labels, settings.shadow.label)) throw new ConfigError(`${where}: shadow: label ${JSON.stringify(settings.shadow.label)} is not one of the model's labels`);
  }
  if (root.batching !== undefined) {
    const { batch_axes: axes, ...parameters } = object(root.batching, `${where}: batching`);
    settings.batching = parseBatchingParameters(parameters, `${where}: batching`, defaults);
    if (axes !== undefined) settings.batching.batchAxes = readBatchAxes(axes, `${where}: batching.batch_axes`);
  }
  return settings;
}

function readPolicy(value: unknown, where: string): VersionPolicy {
  const policy = object(value, where);
  const kinds = Object.keys(policy);
  if (kinds.length !== 1) throw new ConfigError(`${where}: must be one of ${POLICY_FORMS}`);
  const [kind] = kinds;
  const body = object(policy[kind], `${where}.${kind}`);
  switch (kind) {
    case 'all':
      expectOnly(body, [], `${where}.all`);
      return { kind: 'all' };
    case 'latest': {
      expectOnly(body, ['num_versions'], `${where}.latest`);
      const n = body.num_versions === undefined ? 1 : integer(body.num_versions, `${where}.latest.num_versions`, 0);
      return { kind: 'latest', numVersions: Math.max(n, 1) }; // 0 means 1, as in TF Serving
    }
    case 'specific': {
      expectOnly(body, ['versions'], `${where}.specific`);
      const versions = body.versions;
      if (!Array.isArray(versions) || versions.length === 0) {
        throw new ConfigError(`${where}.specific.versions: must be a non-empty list of version numbers`);
      }
      const list = versions.map((v, i) => integer(v, `${where}.specific.versions[${i}]`, 1));
      return { kind: 'specific', versions: [...new Set(list)].sort((a, b) => b - a) };
    }
    default:
      throw new ConfigError(`${where}: unknown policy "${kind}"; must be one of ${POLICY_FORMS}`);
  }
}

function readLabels(value: unknown, where: string): Record<string, number> {
  const labels = object(value, where);
  const out: Record<string, number> = {};
  for (const [label, version] of Object.entries(labels)) {
    if (!/^[A-Za-z0-9_.-]+$/.test(label)) throw new ConfigError(`${where}: invalid label name ${JSON.stringify(label)} (letters, digits, _ . -)`);
    Object.defineProperty(out, label, { value: integer(version, `${where}.${label}`, 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function object(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`${where}: must be a JSON object`);
  return value as Record<string, unknown>;
}

function expectOnly(obj: Record<string, unknown>, keys: string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!keys.includes(key)) {
      const expected = keys.length ? `expected one of: ${keys.join(', ')}` : 'expected no fields';
      throw new ConfigError(`${where}: unknown field "${key}" (${expected})`);
    }
  }
}

function integer(value: unknown, where: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(`${where}: must be ${min === 0 ? 'a non-negative' : 'a positive'} integer, got ${JSON.stringify(value)}`);
  }
  return value;
}
