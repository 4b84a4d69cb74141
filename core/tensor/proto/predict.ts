import { invalidArgument, quoted } from '../../errors.ts';
import { encodeTensorProto, readTensorProto, type EncodeOptions, type Encoded, type TensorProtoMsg } from './tensor-proto.ts';
import { LENGTH_DELIMITED, VARINT, WireError, WireReader, WireWriter, delimitedSize, tagOf, uint64Size, utf8Encoder } from './wire.ts';
import type { Tensor } from '../tensor.ts';
import { clampVersion } from '../../version/version-number.ts';

/**
 * tensorflow.serving.PredictRequest in, PredictResponse out, by hand on the wire (field numbers:
 * proto/tensorflow_serving/apis/{predict,model}.proto). The binary HTTP route and the gRPC Predict
 * method both use these, so neither needs protobufjs on the hot path (see wire.ts).
 * Unknown fields are skipped; for a repeated map key the last entry wins, as in protobuf.
 */

/** tensorflow.serving.ModelSpec. version and versionLabel are a oneof: at most one is set. */
export interface ModelSpecMsg {
  name: string;
  version?: number;
  versionLabel?: string;
  /** Empty when not sent. */
  signatureName: string;
}

export interface PredictRequestMsg {
  /** null when the request has no model_spec. */
  modelSpec: ModelSpecMsg | null;
  inputs: Map<string, TensorProtoMsg>;
  outputFilter: string[];
}

export const PREDICT_REQUEST = 'tensorflow.serving.PredictRequest';

/** Parses a serialized PredictRequest; malformed bytes are INVALID_ARGUMENT. */
export function decodePredictRequest(bytes: Uint8Array): PredictRequestMsg {
  try {
    const r = new WireReader(bytes);
    const msg: PredictRequestMsg = { modelSpec: null, inputs: new Map(), outputFilter: [] };
    while (!r.done()) {
      const tag = r.tag();
      if (tag === key(1)) msg.modelSpec = within('model_spec', () => readModelSpec(r.message(), msg.modelSpec));
      else if (tag === key(2)) within('inputs', () => readInputEntry(r.message(), msg.inputs));
      else if (tag === key(3)) msg.outputFilter.push(within('output_filter', () => r.string()));
      else within(`field ${tag >>> 3}`, () => r.skip(tag & 7));
    }
    return msg;
  } catch (err) {
    if (err instanceof WireError) throw invalidArgument(`Could not parse the request body as ${PREDICT_REQUEST}: ${err.message}`);
    throw err;
  }
}

const key = (field: number) => tagOf(field, LENGTH_DELIMITED);

/** Runs a read; a WireError from it names `field` (see WireError.within). */
function within<T>(field: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof WireError) throw err.within(field);
    throw err;
  }
}

/** Reads a ModelSpec, merging into `into` as protobuf does when the field repeats. */
export function readModelSpec(r: WireReader, into: ModelSpecMsg | null = null): ModelSpecMsg {
  const spec: ModelSpecMsg = into ?? { name: '', signatureName: '' };
  while (!r.done()) {
    const tag = r.tag();
    if (tag === key(1)) spec.name = within('name', () => r.string());
    else if (tag === key(2)) {
      spec.version = within('version', () => readInt64Value(r.message()));
      delete spec.versionLabel;
    } else if (tag === key(4)) {
      spec.versionLabel = within('version_label', () => r.string());
      delete spec.version;
    } else if (tag === key(3)) spec.signatureName = within('signature_name', () => r.string());
    else within(`field ${tag >>> 3}`, () => r.skip(tag & 7));
  }
  return spec;
}

/** google.protobuf.Int64Value as a version number (clamped past 2^53, see clampVersion). */
function readInt64Value(r: WireReader): number {
  let value = 0n;
  while (!r.done()) {
    const tag = r.tag();
    if (tag === tagOf(1, VARINT)) value = r.int64();
    else r.skip(tag & 7);
  }
  return clampVersion(value);
}

function readInputEntry(r: WireReader, inputs: Map<string, TensorProtoMsg>): void {
  let name = '';
  let tensor: TensorProtoMsg | null = null;
  while (!r.done()) {
    const tag = r.tag();
    if (tag === key(1)) name = within('key', () => r.string());
    else if (tag === key(2)) tensor = within(`[${JSON.stringify(quoted(name))}]`, () => readTensorProto(r.message()));
    else within(`field ${tag >>> 3}`, () => r.skip(tag & 7));
  }
  inputs.set(name, tensor ?? readTensorProto(new WireReader(new Uint8Array(0))));
}

/** ModelSpec{name, version, signature_name} as TF Serving fills it in responses. */
export function encodeModelSpec(spec: ModelSpecMsg): Encoded {
  const name = utf8Encoder.encode(spec.name);
  const signature = utf8Encoder.encode(spec.signatureName);
  const versionBody = spec.version === undefined || spec.version === 0 ? 0 : 1 + uint64Size(BigInt(spec.version));
  const label = spec.versionLabel === undefined ? null : utf8Encoder.encode(spec.versionLabel);
  const size =
    (name.byteLength ? delimitedSize(1, name.byteLength) : 0) +
    (spec.version !== undefined ? delimitedSize(2, versionBody) : 0) +
    (signature.byteLength ? delimitedSize(3, signature.byteLength) : 0) +
    (label ? delimitedSize(4, label.byteLength) : 0);
  return {
    size,
    write(w) {
      if (name.byteLength) w.delimited(1, name);
      if (spec.version !== undefined) {
        w.tag(2, LENGTH_DELIMITED);
        w.uint32(versionBody);
        if (versionBody) {
          w.tag(1, VARINT);
          w.uint64(BigInt(spec.version));
        }
      }
      if (signature.byteLength) w.delimited(3, signature);
      if (label) w.delimited(4, label);
    },
  };
}

/** A serialized PredictResponse: outputs (in the given order), then model_spec. */
export function encodeProtoPredictResponse(modelSpec: ModelSpecMsg, outputs: [string, Tensor][], options: EncodeOptions = {}): Uint8Array<ArrayBuffer> {
  const spec = encodeModelSpec(modelSpec);
  const entries = outputs.map(([alias, tensor]) => {
    const name = utf8Encoder.encode(alias);
    const value = encodeTensorProto(tensor, options);
    const size = delimitedSize(1, name.byteLength) + delimitedSize(2, value.size);
    return { name, value, size };
  });
  const size = entries.reduce((n, e) => n + delimitedSize(1, e.size), 0) + delimitedSize(2, spec.size);
  const w = new WireWriter(size);
  for (const e of entries) {
    w.tag(1, LENGTH_DELIMITED);
    w.uint32(e.size);
    w.delimited(1, e.name);
    w.tag(2, LENGTH_DELIMITED);
    w.uint32(e.value.size);
    e.value.write(w);
  }
  w.tag(2, LENGTH_DELIMITED);
  w.uint32(spec.size);
  spec.write(w);
  return w.finish();
}
