import { failedPrecondition, invalidArgument, quoted } from '../errors.ts';
import { shapeFitsSignature, unbounded, type TensorBudget } from '../tensor/budget.ts';
import { dtypeOfTfDataType, tfTypeString } from '../tensor/dtypes.ts';
import { encodeProtoPredictResponse, type ModelSpecMsg, type PredictRequestMsg } from '../tensor/proto/predict.ts';
import { TensorProtoError, tensorFromProto, type TensorProtoMsg } from '../tensor/proto/tensor-proto.ts';
import { DEFAULT_SIGNATURE, type Signature, type Tensor } from '../tensor/tensor.ts';
import { targetOf } from './call.ts';
import type { PredictRequest, PredictResult } from './predict.ts';

/**
 * tensorflow.serving.PredictRequest and PredictResponse (binary HTTP and gRPC alike) as predict.ts's
 * request and result.
 *
 * A decoded PredictRequest as predict.ts's request: the
 * ModelSpec's checks, then, on the resolved signature, the signature key (FAILED_PRECONDITION, as
 * TF's predictor words it) and the inputs and outputs below.
 */
export function predictRequestFromProto(msg: PredictRequestMsg): PredictRequest {
  const spec = requireModelSpec(msg.modelSpec);
  const signatureName = spec.signatureName || DEFAULT_SIGNATURE;
  return {
    target: targetOf(spec.name, spec.version, spec.versionLabel),
    signatureName,
    decode(signature, budget) {
      if (signatureName !== DEFAULT_SIGNATURE) throw failedPrecondition(`Serving signature key "${quoted(signatureName)}" not found.`);
      const inputs = predictInputs(msg.inputs, signature, budget);
      const outputs = outputAliases(msg.outputFilter, signature);
      checkInputDtypes(inputs, signature);
      return { inputs, outputs };
    },
  };
}

/** A serialized PredictResponse; `asContent` writes tensor_content (--enable_serialization_as_tensor_content). */
export function encodePredictResult(result: PredictResult, asContent: boolean): Uint8Array<ArrayBuffer> {
  return encodeProtoPredictResponse({ name: result.model, version: result.version, signatureName: result.signatureName }, result.outputs, { asContent });
}

/** "Missing ModelSpec" when absent (TF Serving's words). */
export function requireModelSpec(spec: ModelSpecMsg | null): ModelSpecMsg {
  if (!spec) throw invalidArgument('Missing ModelSpec');
  return spec;
}

/**
 * A PredictRequest's inputs and output_filter checked against a signature, in TF Serving's order
 * and words (predict_util.cc, docs/tf-serving-compat.md 11): the input count, each alias, each tensor's
 * FromProto, the output filter; then, as TF's session would at run time, each dtype. Alias sets in
 * messages are sorted and comma-joined, as TF prints its std::set. Before FromProto allocates,
 * each fully defined shape is checked against the signature's and charged to `budget`
 * (budget.ts), so a few bytes cannot declare a huge tensor. All failures are INVALID_ARGUMENT;
 * caller text in messages is cut (quoted()).
 */
export function predictInputs(inputs: Map<string, TensorProtoMsg>, signature: Signature, budget: TensorBudget = unbounded()): Record<string, Tensor> {
  const expected = signature.inputs.map((s) => s.name).sort();
  const sent = [...inputs.keys()].sort();
  if (sent.length !== expected.length) {
    const extra = sent.filter((a) => !expected.includes(a));
    const missing = expected.filter((a) => !inputs.has(a));
    throw invalidArgument(
      `input size does not match signature: ${sent.length}!=${expected.length} len({${quoted(sent.join(','))}}) != len({${expected.join(',')}}). ` +
        `Sent extra: {${quoted(extra.join(','))}}. Missing but required: {${missing.join(',')}}.`,
    );
  }
  const tensors: Record<string, Tensor> = Object.create(null);
  for (const alias of sent) {
    const spec = signature.inputs.find((s) => s.name === alias);
    if (!spec) {
      throw invalidArgument(`input tensor alias not found in signature: ${quoted(alias)}. Inputs expected to be in the set {${expected.join(',')}}.`);
    }
    const msg = inputs.get(alias)!;
    if (!msg.unknownRank && msg.dims.length <= 254 && msg.dims.every((d) => d >= 0)) {
      // Otherwise FromProto reports the shape itself, and allocates nothing.
      shapeFitsSignature(alias, msg.dims, spec);
      budget.charge(alias, dtypeOfTfDataType(msg.dtype), msg.dims);
    }
    try {
      tensors[alias] = tensorFromProto(msg, spec.bytes);
    } catch (err) {
      if (!(err instanceof TensorProtoError)) throw err;
      if (err.dtypeName) throw dtypeMismatch(alias, tfTypeString(spec.dtype), err.dtypeName);
      throw invalidArgument(`tensor parsing error: ${alias} (${err.message})`);
    }
  }
  return tensors;
}

/**
 * The output aliases to return, in order: the filter's, or every output of the signature when the
 * filter is empty. Unknown or repeated aliases are INVALID_ARGUMENT.
 */
export function outputAliases(filter: string[], signature: Signature): string[] {
  const all = signature.outputs.map((o) => o.name);
  if (filter.length === 0) return all;
  const seen = new Set<string>();
  for (const alias of filter) {
    if (!all.includes(alias)) {
      throw invalidArgument(`output tensor alias not found in signature: ${quoted(alias)} Outputs expected to be in the set {${[...all].sort().join(',')}}.`);
    }
    if (seen.has(alias)) throw invalidArgument(`duplicate output tensor alias: ${quoted(alias)}`);
    seen.add(alias);
  }
  return filter;
}

/** TF's session check that each fed tensor has the signature's dtype. */
export function checkInputDtypes(tensors: Record<string, Tensor>, signature: Signature): void {
  for (const spec of signature.inputs) {
    const t = tensors[spec.name];
    if (t && t.dtype !== spec.dtype) {
      throw dtypeMismatch(spec.name, tfTypeString(spec.dtype), tfTypeString(t.dtype));
    }
  }
}

function dtypeMismatch(alias: string, expected: string, got: string) {
  return invalidArgument(`Expects arg[${alias}] to be ${expected} but ${got} is provided`);
}
