import { invalidArgument, quoted } from '../errors.ts';
import type { AcquireWait, Manager } from '../manager/manager.ts';
import type { VersionState } from '../manager/servable.ts';
import { acquire, modelSpecFromObject, modelSpecObject, requireModelSpec, type ModelSpecObject } from './model-spec.ts';
import { signatureDefMap } from './signature-def.ts';
import { CODE_NUMBER } from './status.ts';

/**
 * TF Serving's GetModelMetadata and GetModelStatus (docs/tf-serving-compat.md 7, 8, 11) as protobufjs objects.
 * Metadata: only "signature_def", packed in a google.protobuf.Any holding a
 * tensorflow.serving.SignatureDefMap (the same signature the REST metadata API prints); the
 * response's model_spec names the version resolved, with an empty signature_name, as TF's does.
 * Status: the manager's versions, highest first; a version_label is ignored, as in TF Serving.
 */

export const SIGNATURE_DEF_MAP_TYPE_URL = 'type.googleapis.com/tensorflow.serving.SignatureDefMap';

/** Serializes a tensorflow.serving.SignatureDefMap object: the gRPC server's protobufjs, kept out of core. */
export type EncodeSignatureDefMap = (map: ReturnType<typeof signatureDefMap>) => Uint8Array;

export interface MetadataRequestObject {
  model_spec?: ModelSpecObject | null;
  metadata_field?: string[];
}

export interface MetadataResponseObject {
  model_spec: ModelSpecObject;
  metadata: Record<string, { type_url: string; value: Uint8Array }>;
}

/** `wait` bounds the wait for the version to load by the call's deadline. */
export async function getModelMetadata(
  request: MetadataRequestObject,
  manager: Manager,
  encode: EncodeSignatureDefMap,
  wait?: AcquireWait,
): Promise<MetadataResponseObject> {
  const spec = requireModelSpec(modelSpecFromObject(request.model_spec));
  const fields = [...new Set(request.metadata_field ?? [])].sort();
  if (fields.length === 0) throw invalidArgument('GetModelMetadataRequest must specify at least one metadata_field');
  for (const f of fields) if (f !== 'signature_def') throw invalidArgument(`Metadata field ${quoted(f)} is not supported`);
  const lease = await acquire(manager, spec, wait);
  try {
    const { servable } = lease;
    return {
      model_spec: modelSpecObject(spec.name, servable.version, ''),
      metadata: { signature_def: { type_url: SIGNATURE_DEF_MAP_TYPE_URL, value: encode(signatureDefMap(servable.session.signature, 'proto')) } },
    };
  } finally {
    lease.release();
  }
}

export interface StatusRequestObject {
  model_spec?: ModelSpecObject | null;
}

const STATE_NUMBER: Record<VersionState, number> = { START: 10, LOADING: 20, AVAILABLE: 30, UNLOADING: 40, END: 50 };

export async function getModelStatus(request: StatusRequestObject, manager: Manager) {
  const spec = requireModelSpec(modelSpecFromObject(request.model_spec));
  const statuses = await manager.status(spec.name, spec.version);
  return {
    model_version_status: statuses.map((s) => ({
      version: s.version,
      state: STATE_NUMBER[s.state],
      status: s.error ? { error_code: CODE_NUMBER[s.error.code], error_message: s.error.message } : {},
    })),
  };
}
