import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { protoRoot } from '../../runtime/node/grpc/proto-root.ts';
import { DESCRIPTOR_FILE, buildDescriptor } from '../../proto/build-descriptor.ts';

// The generated descriptor matches proto/, and proto/ carries the official field numbers (from the
// public tensorflow and tensorflow_serving .proto files) that make stock clients byte-compatible.
describe('proto descriptor', () => {
  it('is up to date with proto/ (run `npm run proto` after editing a .proto)', () => {
    expect(readFileSync(DESCRIPTOR_FILE, 'utf8')).toBe(buildDescriptor());
  });

  const OFFICIAL: Record<string, Record<string, number>> = {
    'tensorflow.TensorProto': {
      dtype: 1, tensor_shape: 2, version_number: 3, tensor_content: 4, half_val: 13, float_val: 5, double_val: 6, int_val: 7,
      string_val: 8, scomplex_val: 9, int64_val: 10, bool_val: 11, dcomplex_val: 12, uint32_val: 16, uint64_val: 17,
    },
    'tensorflow.TensorShapeProto': { dim: 2, unknown_rank: 3 },
    'tensorflow.TensorShapeProto.Dim': { size: 1, name: 2 },
    'tensorflow.BytesList': { value: 1 },
    'tensorflow.FloatList': { value: 1 },
    'tensorflow.Int64List': { value: 1 },
    'tensorflow.Feature': { bytes_list: 1, float_list: 2, int64_list: 3 },
    'tensorflow.Features': { feature: 1 },
    'tensorflow.Example': { features: 1 },
    'tensorflow.TensorInfo': { name: 1, coo_sparse: 4, dtype: 2, tensor_shape: 3 },
    'tensorflow.SignatureDef': { inputs: 1, outputs: 2, method_name: 3 },
    'tensorflow.serving.ModelSpec': { name: 1, version: 2, version_label: 4, signature_name: 3 },
    'tensorflow.serving.PredictRequest': { model_spec: 1, inputs: 2, output_filter: 3 },
    'tensorflow.serving.PredictResponse': { model_spec: 2, outputs: 1 },
    'tensorflow.serving.ExampleList': { examples: 1 },
    'tensorflow.serving.ExampleListWithContext': { examples: 1, context: 2 },
    'tensorflow.serving.Input': { example_list: 1, example_list_with_context: 2 },
    'tensorflow.serving.Class': { label: 1, score: 2 },
    'tensorflow.serving.Classifications': { classes: 1 },
    'tensorflow.serving.ClassificationResult': { classifications: 1 },
    'tensorflow.serving.ClassificationRequest': { model_spec: 1, input: 2 },
    'tensorflow.serving.ClassificationResponse': { model_spec: 2, result: 1 },
    'tensorflow.serving.Regression': { value: 1 },
    'tensorflow.serving.RegressionResult': { regressions: 1 },
    'tensorflow.serving.RegressionRequest': { model_spec: 1, input: 2 },
    'tensorflow.serving.RegressionResponse': { model_spec: 2, result: 1 },
    'tensorflow.serving.SignatureDefMap': { signature_def: 1 },
    'tensorflow.serving.GetModelMetadataRequest': { model_spec: 1, metadata_field: 2 },
    'tensorflow.serving.GetModelMetadataResponse': { model_spec: 1, metadata: 2 },
    'tensorflow.serving.StatusProto': { error_code: 1, error_message: 2 },
    'tensorflow.serving.GetModelStatusRequest': { model_spec: 1 },
    'tensorflow.serving.ModelVersionStatus': { version: 1, state: 2, status: 3 },
    'tensorflow.serving.GetModelStatusResponse': { model_version_status: 1 },
  };

  for (const [name, fields] of Object.entries(OFFICIAL)) {
    it(`${name} has the official field numbers`, () => {
      const type = protoRoot.lookupType(name);
      const ours = Object.fromEntries(Object.values(type.fields).map((f) => [f.name, f.id]));
      expect(ours).toMatchObject(fields);
    });
  }

  it('has the official enums and service paths', () => {
    const dt = protoRoot.lookupEnum('tensorflow.DataType').values;
    expect([dt.DT_FLOAT, dt.DT_STRING, dt.DT_INT64, dt.DT_BOOL, dt.DT_HALF, dt.DT_UINT16, dt.DT_UINT32, dt.DT_UINT64]).toEqual([1, 7, 9, 10, 19, 17, 22, 23]);
    const state = protoRoot.lookupEnum('tensorflow.serving.ModelVersionStatus.State').values;
    expect(state).toEqual({ UNKNOWN: 0, START: 10, LOADING: 20, AVAILABLE: 30, UNLOADING: 40, END: 50 });
    expect(Object.keys(protoRoot.lookupService('tensorflow.serving.PredictionService').methods)).toEqual(['Classify', 'Regress', 'Predict', 'MultiInference', 'GetModelMetadata']);
    expect(Object.keys(protoRoot.lookupService('tensorflow.serving.ModelService').methods)).toEqual(['GetModelStatus', 'HandleReloadConfigRequest']);
    expect(protoRoot.lookupEnum('tensorflow.error.Code').values.UNAUTHENTICATED).toBe(16);
  });
});
