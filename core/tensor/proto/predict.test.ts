import { describe, expect, it } from 'vitest';
import { ServingError } from '../../errors.ts';
import { servingErrorMessage } from '../../../test/support/thrown.ts';
import { DT_INT64, LEN, predictRequest, tag, tensorProto } from '../../../test/fuzz/proto-bytes.ts';
import { decodeMessage, encodeMessage, lookupType } from '../../../runtime/node/grpc/proto-root.ts';
import { decodePredictRequest, encodeProtoPredictResponse } from './predict.ts';
import { tensorFromProto } from './tensor-proto.ts';

// The hand-written PredictRequest / PredictResponse codec against protobufjs over our .proto files.
const PredictRequest = lookupType('tensorflow.serving.PredictRequest');
const PredictResponse = lookupType('tensorflow.serving.PredictResponse');

describe('PredictRequest', () => {
  it('reads model_spec, inputs and output_filter as protobufjs writes them', () => {
    const bytes = encodeMessage(PredictRequest, {
      model_spec: { name: 'm', version: { value: 3 }, signature_name: 'serving_default' },
      inputs: { a: { dtype: 1, tensor_shape: { dim: [{ size: 2 }] }, float_val: [1, 2] }, b: { dtype: 7, string_val: [new Uint8Array([104, 105])] } },
      output_filter: ['y', 'z'],
    });
    const req = decodePredictRequest(bytes);
    expect(req.modelSpec).toEqual({ name: 'm', version: 3, signatureName: 'serving_default' });
    expect([...req.inputs.keys()].sort()).toEqual(['a', 'b']);
    expect(tensorFromProto(req.inputs.get('a')!)).toEqual({ dtype: 'float32', dims: [2], data: new Float32Array([1, 2]) });
    expect(tensorFromProto(req.inputs.get('b')!)).toEqual({ dtype: 'string', dims: [], data: ['hi'] });
    expect(req.outputFilter).toEqual(['y', 'z']);
  });

  it('keeps version and version_label a oneof, and an absent model_spec null', () => {
    expect(decodePredictRequest(encodeMessage(PredictRequest, { model_spec: { name: 'm', version_label: 'canary' } })).modelSpec).toEqual({
      name: 'm',
      versionLabel: 'canary',
      signatureName: '',
    });
    expect(decodePredictRequest(encodeMessage(PredictRequest, { model_spec: { name: 'm', version: {} } })).modelSpec?.version).toBe(0);
    expect(decodePredictRequest(new Uint8Array(0))).toEqual({ modelSpec: null, inputs: new Map(), outputFilter: [] });
  });

  it('refuses malformed bytes with INVALID_ARGUMENT', () => {
    const bytes = encodeMessage(PredictRequest, { model_spec: { name: 'model' } });
    let err: unknown;
    try {
      decodePredictRequest(bytes.subarray(0, bytes.length - 2));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ServingError);
    expect((err as ServingError).code).toBe('INVALID_ARGUMENT');
    expect((err as ServingError).message).toBe('Could not parse the request body as tensorflow.serving.PredictRequest: model_spec: truncated message');
  });

  it('names the field a wire error is in, packed varint runs included', () => {
    const ids = (run: number[]) => predictRequest({ model: 'm', inputs: [['ids', tensorProto(DT_INT64, [2], [...tag(10, LEN), run.length, ...run])]] });
    const message = (bytes: Uint8Array) => servingErrorMessage(() => decodePredictRequest(bytes));
    const prefix = 'Could not parse the request body as tensorflow.serving.PredictRequest: inputs["ids"].int64_val: ';
    expect(message(ids([0x05, 0x80]))).toBe(`${prefix}truncated varint at the end of the packed values`);
    expect(message(ids([0x01, ...Array(10).fill(0xff), 0x01]))).toBe(`${prefix}varint longer than 10 bytes`);
    // Ten bytes is the longest valid varint (a negative int64).
    expect(decodePredictRequest(ids([...Array(9).fill(0xff), 0x01, 0x02])).inputs.get('ids')!.values.get(10)).toHaveLength(1);
    const name = predictRequest({ model: 'm', inputs: [] });
    expect(message(name.subarray(0, name.length - 1))).toBe('Could not parse the request body as tensorflow.serving.PredictRequest: model_spec: truncated message');
  });
});

describe('PredictResponse', () => {
  it('writes outputs and model_spec that protobufjs reads', () => {
    const bytes = encodeProtoPredictResponse({ name: 'm', version: 12, signatureName: 'serving_default' }, [
      ['y', { dtype: 'float32', dims: [2, 1], data: new Float32Array([0.5, -1]) }],
      ['ids', { dtype: 'int64', dims: [1], data: new BigInt64Array([-9223372036854775808n]) }],
    ]);
    expect(decodeMessage(PredictResponse, bytes)).toEqual({
      model_spec: { name: 'm', version: { value: 12n }, signature_name: 'serving_default' },
      outputs: {
        y: { dtype: 1, tensor_shape: { dim: [{ size: 2n }, { size: 1n }] }, float_val: [0.5, -1] },
        ids: { dtype: 9, tensor_shape: { dim: [{ size: 1n }] }, int64_val: [-9223372036854775808n] },
      },
    });
  });
});
