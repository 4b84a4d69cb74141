import type { VersionStatus } from '../manager/servable.ts';
import type { DType, Signature, TensorSpec } from '../tensor/tensor.ts';
import { DEFAULT_SIGNATURE } from '../tensor/tensor.ts';

/**
 * JSON bodies of the status and metadata APIs, shaped like TF Serving's protobuf JSON
 * (docs/tf-serving-compat.md sections 7 and 8): int64 fields as strings, default values printed.
 */
export function statusBody(statuses: VersionStatus[]): string {
  return JSON.stringify(
    {
      model_version_status: statuses.map((s) => ({
        version: String(s.version),
        state: s.state,
        status: { error_code: s.error ? s.error.code : 'OK', error_message: s.error ? s.error.message : '' },
      })),
    },
    null,
    1,
  );
}

const TF_DTYPES: Record<DType, string> = {
  float32: 'DT_FLOAT',
  float64: 'DT_DOUBLE',
  float16: 'DT_HALF',
  int8: 'DT_INT8',
  int16: 'DT_INT16',
  int32: 'DT_INT32',
  int64: 'DT_INT64',
  uint8: 'DT_UINT8',
  uint16: 'DT_UINT16',
  uint32: 'DT_UINT32',
  uint64: 'DT_UINT64',
  bool: 'DT_BOOL',
  string: 'DT_STRING',
};

export function tfDtypeName(dtype: DType): string {
  return TF_DTYPES[dtype];
}

export function metadataBody(model: string, version: number, signature: Signature): string {
  const tensorInfos = (specs: TensorSpec[]) => Object.fromEntries(specs.map((s) => [s.name, tensorInfo(s)]));
  return JSON.stringify(
    {
      model_spec: { name: model, signature_name: '', version: String(version) },
      metadata: {
        signature_def: {
          signature_def: {
            [DEFAULT_SIGNATURE]: {
              inputs: tensorInfos(signature.inputs),
              outputs: tensorInfos(signature.outputs),
              method_name: 'tensorflow/serving/predict',
              defaults: {},
            },
          },
        },
      },
    },
    null,
    1,
  );
}

function tensorInfo(spec: TensorSpec) {
  return {
    dtype: TF_DTYPES[spec.dtype],
    tensor_shape: {
      dim: (spec.dims ?? []).map((d) => ({ size: String(d), name: '' })),
      unknown_rank: spec.dims === null,
    },
    name: spec.name,
  };
}
