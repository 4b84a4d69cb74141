import type { VersionPolicy } from '../config/model-config.ts';
import { invalidArgument, notFound } from '../errors.ts';

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

/** What a request asks for: a version, a label, or neither (the latest). Never both. */
export type VersionRequest = { version?: number; label?: undefined } | { version?: undefined; label: string };

/**
 * The version a request resolves to, given the model's labels and its currently AVAILABLE
 * versions (TF Serving section 4). Neither version nor label: the highest available version.
 * Throws ServingError with TF Serving's wording:
 *   none available          NOT_FOUND        Servable not found for request: Latest(<model>)
 *   version not available   NOT_FOUND        Servable not found for request: Specific(<model>, <N>)
 *   unknown label           INVALID_ARGUMENT Unrecognized servable version label: <label>
 *   label -> unavailable    NOT_FOUND        Specific(<model>, <N>) as above
 */
export function resolveVersion(
  model: string,
  request: VersionRequest,
  labels: Readonly<Record<string, number>>,
  available: ReadonlySet<number>,
): number {
  if (request.label !== undefined) {
    if (!Object.hasOwn(labels, request.label)) throw invalidArgument(`Unrecognized servable version label: ${request.label}`);
    return specific(model, labels[request.label], available);
  }
  if (request.version !== undefined) return specific(model, request.version, available);
  if (available.size === 0) throw notFound(`Servable not found for request: Latest(${model})`);
  return Math.max(...available);
}

function specific(model: string, version: number, available: ReadonlySet<number>): number {
  if (!available.has(version)) throw notFound(`Servable not found for request: Specific(${model}, ${version})`);
  return version;
}
