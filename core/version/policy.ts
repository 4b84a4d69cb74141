/**
 * Version policy as pure functions, in the spirit of TF Serving's aspired_version_policy: which
 * folder names are versions, which versions a policy wants served, and which version a request
 * resolves to. Callers: core/repository/discovery.ts (parseVersionDir), core/manager (the rest).
 * No state and no I/O, so every rule is tested here without storage or a clock.
 */
import type { VersionPolicy } from '../config/model-config.ts';
import { type ServingError, invalidArgument, notFound, quoted } from '../errors.ts';

/**
 * The version number a version folder's name stands for, or null when the folder is not a
 * version. Like TF Serving: base-10 digits, leading zeros allowed ("00000123" -> 123). Unlike it:
 * no sign, and the number must be a positive safe integer (versions are positive integers here).
 */
export function parseVersionDir(name: string): number | null {
  if (!/^\d+$/.test(name)) return null;
  const version = Number(name);
  return Number.isSafeInteger(version) && version > 0 ? version : null;
}

/**
 * The versions a policy wants served, out of the complete versions a source found, highest
 * first. latest(n): the n highest; all: every one; specific: those listed that exist (listed but
 * missing versions are simply absent; the caller may warn). Pure; duplicates in `available` collapse.
 */
export function aspiredVersions(policy: VersionPolicy, available: readonly number[]): number[] {
  const sorted = [...new Set(available)].sort((a, b) => b - a);
  switch (policy.kind) {
    case 'latest':
      return sorted.slice(0, Math.max(policy.numVersions, 1));
    case 'all':
      return sorted;
    case 'specific':
      return sorted.filter((v) => policy.versions.includes(v));
  }
}

/**
 * Which version a request asks for: a version, a label, or neither (the latest). Transports fill
 * at most one of them; should both be set, the label wins.
 */
export interface VersionRequest {
  version?: number;
  label?: string;
  /** Unpinned requests only: makes a weighted split sticky (core/version/traffic.ts routingPoint). */
  routingKey?: string;
}

/**
 * The version a request resolves to, given the model's labels and the versions that may serve it
 * (TF Serving section 4). The manager passes its aspired versions that have not failed to load:
 * they need not be loaded yet, it loads the one chosen. Neither version nor label: the highest.
 * Pure. Throws ServingError with TF Serving's wording:
 *   none servable           NOT_FOUND        Servable not found for request: Latest(<model>)
 *   version not servable    NOT_FOUND        Servable not found for request: Specific(<model>, <N>)
 *   unknown label           INVALID_ARGUMENT Unrecognized servable version label: <label>
 *   label -> not servable   NOT_FOUND        Specific(<model>, <N>) as above
 */
export function resolveVersion(
  model: string,
  request: VersionRequest,
  labels: Readonly<Record<string, number>>,
  servable: ReadonlySet<number>,
): number {
  if (request.label !== undefined) {
    if (!Object.hasOwn(labels, request.label)) throw unrecognizedLabel(request.label);
    return specific(model, labels[request.label], servable);
  }
  if (request.version !== undefined) return specific(model, request.version, servable);
  if (servable.size === 0) throw notFound(servableNotFound(model));
  return Math.max(...servable);
}

/** TF Serving's message for a request no version answers (also for unknown models). */
export function servableNotFound(model: string, version?: number): string {
  return version === undefined
    ? `Servable not found for request: Latest(${quoted(model)})`
    : `Servable not found for request: Specific(${quoted(model)}, ${version})`;
}

export function unrecognizedLabel(label: string): ServingError {
  return invalidArgument(`Unrecognized servable version label: ${quoted(label)}`);
}

function specific(model: string, version: number, servable: ReadonlySet<number>): number {
  if (!servable.has(version)) throw notFound(servableNotFound(model, version));
  return version;
}
