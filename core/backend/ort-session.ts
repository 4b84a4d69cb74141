import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
import { ServingError, invalidArgument } from '../errors.ts';
import type { DType, Signature, Tensor, TensorSpec } from '../tensor/tensor.ts';
import type { Backend, ModelFiles, Session } from './backend.ts';
import { readGraphShapes, type GraphShape } from './onnx-graph.ts';
import { ortErrorText, runError } from './ort-errors.ts';

/**
 * The Backend for any onnxruntime flavour (node, web/wasm, web/webgpu). They share one API
 * (onnxruntime-common); the flavour module is injected by a leaf (onnxruntime-node.ts, ...), so
 * this file imports types only and stays platform-free.
 */
export interface OrtModule {
  /** A string is a model path (onnxruntime-node; external data resolves beside it). */
  InferenceSession: { create(model: Uint8Array | string, options?: InferenceSession.SessionOptions): Promise<InferenceSession> };
  Tensor: new (type: OrtTensor.Type, data: unknown, dims: readonly number[]) => OrtTensor;
}

const ORT_TYPES: Record<string, DType> = {
  float32: 'float32',
  float64: 'float64',
  float16: 'float16',
  int8: 'int8',
  int16: 'int16',
  int32: 'int32',
  int64: 'int64',
  uint8: 'uint8',
  uint16: 'uint16',
  uint32: 'uint32',
  uint64: 'uint64',
  bool: 'bool',
  string: 'string',
};

/** `opensFiles`: the flavour reads model paths itself (onnxruntime-node); see Backend.opensFiles. */
export function ortBackend(
  name: string,
  ort: OrtModule,
  options: InferenceSession.SessionOptions = {},
  { opensFiles = false }: { opensFiles?: boolean } = {},
): Backend {
  return {
    name,
    opensFiles,
    async load(model) {
      const files: ModelFiles = model instanceof Uint8Array ? { bytes: model, externalData: [] } : model;
      const bytes = files.bytes;
      // onnxruntime-node opens model.onnx by path and finds its external files beside it.
      const path = opensFiles ? files.path : undefined;
      const sessionOptions = path ? options : withExternalData(options, files);
      let session: InferenceSession;
      try {
        session = await ort.InferenceSession.create(path ?? bytes, sessionOptions);
      } catch (err) {
        throw new ServingError('INVALID_ARGUMENT', `Could not load the model as ONNX: ${ortErrorText(err)}`);
      }
      const graph = readGraphShapes(bytes);
      return new OrtSession(ort, session, {
        inputs: session.inputMetadata.map((m) => toSpec(m, graph?.inputs.get(m.name))),
        outputs: session.outputMetadata.map((m) => toSpec(m, graph?.outputs.get(m.name))),
      });
    },
  };
}

/** onnxruntime-web's externalData option: each file's bytes under the location model.onnx names. */
function withExternalData(options: InferenceSession.SessionOptions, files: ModelFiles): InferenceSession.SessionOptions {
  if (files.externalData.length === 0) return options;
  const externalData = files.externalData.map((f) => {
    if (!f.data) throw new ServingError('FAILED_PRECONDITION', `External data ${f.path} was not read into memory, and this backend cannot open files`);
    return { path: f.path, data: f.data };
  });
  return { ...options, externalData };
}

class OrtSession implements Session {
  constructor(
    private readonly ort: OrtModule,
    private readonly session: InferenceSession,
    readonly signature: Signature,
  ) {}

  async run(inputs: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    const feeds: Record<string, OrtTensor> = {};
    for (const [name, t] of Object.entries(inputs)) {
      feeds[name] = new this.ort.Tensor(t.dtype, t.dtype === 'bool' ? toBoolData(t.data) : t.data, t.dims);
    }
    let results: InferenceSession.OnnxValueMapType;
    try {
      results = await this.session.run(feeds);
    } catch (err) {
      throw runError(err, inputs);
    }
    const out: Record<string, Tensor> = {};
    for (const spec of this.signature.outputs) {
      const t = results[spec.name] as OrtTensor;
      out[spec.name] = { dtype: spec.dtype, dims: [...t.dims], data: fromOrtData(t) };
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** `graph`: the shape the ONNX graph declares (onnx-graph.ts); undefined when it was not read. */
function toSpec(meta: InferenceSession.ValueMetadata, graph: GraphShape | undefined): TensorSpec {
  if (!meta.isTensor) throw invalidArgument(`Input or output ${meta.name} is not a tensor; only tensors are supported`);
  const dtype = ORT_TYPES[meta.type];
  if (!dtype) throw invalidArgument(`Input or output ${meta.name} has unsupported type ${meta.type}`);
  // onnxruntime reports an empty shape both for scalars and for unknown rank: the graph decides.
  if (meta.shape.length === 0 && graph === null) return { name: meta.name, dtype, dims: null };
  return { name: meta.name, dtype, dims: meta.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)) };
}

// onnxruntime wants bool tensors as Uint8Array in node and as boolean-compatible Uint8Array in web;
// both accept Uint8Array. Kept as a function so the choice is made in one place.
function toBoolData(data: Tensor['data']): Uint8Array {
  return data as Uint8Array;
}

function fromOrtData(t: OrtTensor): Tensor['data'] {
  const data = t.data as Tensor['data'] | boolean[];
  if (t.type === 'bool' && !(data instanceof Uint8Array)) return Uint8Array.from(data as boolean[], (b) => (b ? 1 : 0));
  return data as Tensor['data'];
}
