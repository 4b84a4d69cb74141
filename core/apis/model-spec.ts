import { invalidArgument } from '../errors.ts';
import type { AcquireWait, Manager } from '../manager/manager.ts';
import type { Lease } from '../manager/servable.ts';
import type { VersionRequest } from '../version/policy.ts';
import type { ModelSpecMsg } from '../tensor/proto/predict.ts';
import { clampVersion } from '../version/version-number.ts';

/**
 * tensorflow.serving.ModelSpec handling shared by every method: TF Serving's checks and wording
 * (docs/tf-serving-compat.md 11), the version/label choice, and the protobufjs object form for messages that
 * protobufjs decodes (Classify, Regress, GetModelMetadata, GetModelStatus).
 */

/** A ModelSpec as protobufjs decodes it (snake_case, int64 as bigint, see runtime/node/grpc/proto-root.ts). */
export interface ModelSpecObject {
  name?: string;
  version?: { value?: bigint | number } | null;
  version_label?: string;
  signature_name?: string;
}

export function modelSpecFromObject(obj: ModelSpecObject | null | undefined): ModelSpecMsg | null {
  if (!obj) return null;
  const spec: ModelSpecMsg = { name: obj.name ?? '', signatureName: obj.signature_name ?? '' };
  if (obj.version) spec.version = clampVersion(obj.version.value ?? 0);
  else if (obj.version_label !== undefined && obj.version_label !== null) spec.versionLabel = obj.version_label;
  return spec;
}

/** The ModelSpec as a protobufjs object, for responses: name, version, signature_name. */
export function modelSpecObject(name: string, version: number, signatureName: string): ModelSpecObject {
  return { name, version: { value: version }, signature_name: signatureName };
}

/** "Missing ModelSpec" when absent. */
export function requireModelSpec(spec: ModelSpecMsg | null): ModelSpecMsg {
  if (!spec) throw invalidArgument('Missing ModelSpec');
  return spec;
}

export function versionRequest(spec: ModelSpecMsg, routingKey?: string): VersionRequest {
  if (spec.version !== undefined) return { version: spec.version, routingKey };
  if (spec.versionLabel !== undefined) return { label: spec.versionLabel, routingKey };
  return { routingKey };
}

/**
 * The servable a ModelSpec names (TF's ServerCore::GetServableHandle); release the lease after.
 * `wait` bounds the wait for a load by the request's deadline (Manager.acquire); `routingKey`
 * keeps an unpinned caller on one label of a traffic split.
 */
export function acquire(manager: Manager, spec: ModelSpecMsg, wait?: AcquireWait, routingKey?: string): Promise<Lease> {
  if (spec.name === '') return Promise.reject(invalidArgument('ModelSpec has no name specified.'));
  return manager.acquire(spec.name, versionRequest(spec, routingKey), wait);
}
