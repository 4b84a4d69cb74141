import { tfDataType, tfDtypeName } from './dtypes.ts';
import { DEFAULT_SIGNATURE, type Signature, type TensorSpec } from './tensor.ts';

/**
 * The one builder of TF Serving's SignatureDefMap (TensorInfo per input and output) from a
 * servable's signature: an ONNX model has one signature, "serving_default", with method
 * tensorflow/serving/predict. Two forms of the same message:
 *   'json'  the REST metadata API's protobuf JSON: enum names ("DT_FLOAT"), int64 as strings,
 *           default-valued fields printed (dim names '', unknown_rank false, empty defaults);
 *   'proto' the protobufjs object gRPC encodes: enum numbers, numbers, and only the fields TF
 *           sets, so the wire bytes carry no default-valued fields.
 */
export type SignatureDefForm = 'json' | 'proto';

export function signatureDefMap(signature: Signature, form: SignatureDefForm) {
  const infos = (specs: TensorSpec[]) => Object.fromEntries(specs.map((s) => [s.name, tensorInfo(s, form)]));
  return {
    signature_def: {
      [DEFAULT_SIGNATURE]: {
        inputs: infos(signature.inputs),
        outputs: infos(signature.outputs),
        method_name: 'tensorflow/serving/predict',
        defaults: {},
      },
    },
  };
}

function tensorInfo(spec: TensorSpec, form: SignatureDefForm) {
  if (form === 'proto') {
    return {
      dtype: tfDataType(spec.dtype),
      tensor_shape: spec.dims === null ? { unknown_rank: true } : { dim: spec.dims.map((size) => ({ size })) },
      name: spec.name,
    };
  }
  return {
    dtype: tfDtypeName(spec.dtype),
    tensor_shape: {
      dim: (spec.dims ?? []).map((d) => ({ size: String(d), name: '' })),
      unknown_rank: spec.dims === null,
    },
    name: spec.name,
  };
}
