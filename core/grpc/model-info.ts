import { invalidArgument } from '../errors.ts';
import type { Manager } from '../manager/manager.ts';
import type { VersionState } from '../manager/servable.ts';
import { DATA_TYPE } from '../tensor/proto-tensor.ts';
import { DEFAULT_SIGNATURE, type Signature, type TensorSpec } from '../tensor/tensor.ts';
import { acquire, modelSpecFromObject, modelSpecObject, requireModelSpec, type ModelSpecObject } from './model-spec.ts';
import { lookupType, encodeMessage } from './proto-root.ts';
import { CODE_NUMBER } from './status.ts';

/**
 * TF Serving's GetModelMetadata and GetModelStatus (docs/tf-serving-compat.md 7, 8, 11) as protobufjs objects.
 * Metadata: only "signature_def", packed in a google.protobuf.Any holding a
 * tensorflow.serving.SignatureDefMap (the same signature the REST metadata API prints); the
 * response's model_spec names the version resolved, with an empty signature_name, as TF's does.
 * Status: the manager's versions, highest first; a version_label is ignored, as in TF Serving.
 */

export const SIGNATURE_DEF_MAP_TYPE_URL = 'type.googleapis.com/tensorflow.serving.SignatureDefMap';
const SignatureDefMap = lookupType('tensorflow.serving.SignatureDefMap');

export interface MetadataRequestObject {
  model_spec?: ModelSpecObject | null;
  metadata_field?: string[];
}

export interface MetadataResponseObject {
  model_spec: ModelSpecObject;
  metadata: Record<string, { type_url: string; value: Uint8Array }>;
}

export async function getModelMetadata(request: MetadataRequestObject, manager: Manager): Promise<MetadataResponseObject> {
  const spec = requireModelSpec(modelSpecFromObject(request.model_spec));
  const fields = [...new Set(request.metadata_field ?? [])].sort();
  if (fields.length === 0) throw invalidArgument('GetModelMetadataRequest must specify at least one metadata_field');
  for (const f of fields) if (f !== 'signature_def') throw invalidArgument(`Metadata field ${f} is not supported`);
  const lease = await acquire(manager, spec);
  try {
    const { servable } = lease;
    return {
      model_spec: modelSpecObject(spec.name, servable.version, ''),
      metadata: { signature_def: { type_url: SIGNATURE_DEF_MAP_TYPE_URL, value: encodeMessage(SignatureDefMap, signatureDefMap(servable.session.signature)) } },
    };
  } finally {
    lease.release();
  }
}

/** The SignatureDefMap object of an ONNX model's one signature ("serving_default"). */
export function signatureDefMap(signature: Signature) {
  const infos = (specs: TensorSpec[]) => Object.fromEntries(specs.map((s) => [s.name, tensorInfo(s)]));
  return {
    signature_def: {
      [DEFAULT_SIGNATURE]: { inputs: infos(signature.inputs), outputs: infos(signature.outputs), method_name: 'tensorflow/serving/predict' },
    },
  };
}

function tensorInfo(spec: TensorSpec) {
  return {
    name: spec.name,
    dtype: DATA_TYPE[spec.dtype],
    tensor_shape: spec.dims === null ? { unknown_rank: true } : { dim: spec.dims.map((size) => ({ size })) },
  };
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
