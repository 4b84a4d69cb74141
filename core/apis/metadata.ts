import type { VersionStatus } from '../manager/servable.ts';
import type { Signature } from '../tensor/tensor.ts';
import type { ApiCall, ApiServices, Ran, Target } from './call.ts';
import { withServable } from './servable-access.ts';

/**
 * TF Serving's GetModelMetadata and GetModelStatus (docs/tf-serving-compat.md 7 and 8), for REST
 * (JSON, core/http/model-info.ts) and gRPC (protobuf) alike.
 * Metadata: the signature of the version the target resolves to, loading it if need be.
 * Status: the manager's versions of the model, highest first, or the one version asked for; a
 * label is ignored, as in TF Serving.
 */
export interface MetadataResult extends Ran {
  signature: Signature;
}

export function modelMetadata(services: ApiServices, call: ApiCall, target: Target): Promise<MetadataResult> {
  return withServable(services, call, target, (s) => ({ model: s.model, version: s.version, signature: s.session.signature }));
}

export function modelStatus(services: ApiServices, target: Target): Promise<VersionStatus[]> {
  return services.manager.status(target.model, target.version);
}
