import { LENGTH_DELIMITED, VARINT, WireError, WireReader, tagOf } from '../tensor/proto/wire.ts';

/**
 * The declared shapes of an ONNX model's graph inputs and outputs, read from the ModelProto bytes
 * (proto/onnx.proto: ModelProto.graph = 7, GraphProto.input = 11 / output = 12, ValueInfoProto,
 * TypeProto.Tensor.shape, TensorShapeProto.Dimension). Called once per load by ort-session.ts.
 *
 * Why: onnxruntime's metadata reports an empty shape both for a scalar and for a tensor with no
 * shape at all (unknown rank); the graph tells them apart. Every other field, initializers and
 * nodes included, is skipped by its length prefix: the reader makes views, never copies, so a
 * large model costs one pass over its top-level fields.
 *
 * Shapes: a number >= 0 is a fixed dim, -1 a dynamic one (dim_param or no value), null no shape
 * (unknown rank). Names that are not tensors (sequences, maps) are absent. Returns null when the
 * bytes do not parse as a ModelProto; callers then rely on onnxruntime's metadata alone.
 */
export type GraphShape = number[] | null;

export interface GraphShapes {
  inputs: Map<string, GraphShape>;
  outputs: Map<string, GraphShape>;
}

export function readGraphShapes(bytes: Uint8Array): GraphShapes | null {
  const shapes: GraphShapes = { inputs: new Map(), outputs: new Map() };
  const into = (map: Map<string, GraphShape>) => (graph: WireReader) => {
    const info = readValueInfo(graph.message());
    if (info.tensor) map.set(info.name, info.shape);
  };
  try {
    new WireReader(bytes).fields({
      [tagOf(7, LENGTH_DELIMITED)]: (model) =>
        model.message().fields({ [tagOf(11, LENGTH_DELIMITED)]: into(shapes.inputs), [tagOf(12, LENGTH_DELIMITED)]: into(shapes.outputs) }),
    });
  } catch (err) {
    if (err instanceof WireError) return null;
    throw err;
  }
  return shapes;
}

/** ValueInfoProto: name = 1, type = 2 (TypeProto: tensor_type = 1). */
function readValueInfo(info: WireReader): { name: string; tensor: boolean; shape: GraphShape } {
  let name = '';
  let tensor = false;
  let shape: GraphShape = null;
  info.fields({
    [tagOf(1, LENGTH_DELIMITED)]: (r) => (name = r.string()),
    [tagOf(2, LENGTH_DELIMITED)]: (r) =>
      r.message().fields({
        [tagOf(1, LENGTH_DELIMITED)]: (type) => {
          tensor = true;
          shape = readTensorType(type.message());
        },
      }),
  });
  return { name, tensor, shape };
}

/** TypeProto.Tensor: elem_type = 1, shape = 2 (absent: unknown rank). TensorShapeProto: dim = 1. */
function readTensorType(tensorType: WireReader): GraphShape {
  let shape: GraphShape = null;
  tensorType.fields({
    [tagOf(2, LENGTH_DELIMITED)]: (r) => {
      const dims = shape ?? [];
      r.message().fields({ [tagOf(1, LENGTH_DELIMITED)]: (dim) => dims.push(readDim(dim.message())) });
      shape = dims;
    },
  });
  return shape;
}

/** TensorShapeProto.Dimension: dim_value = 1 (varint); dim_param or no value is dynamic (-1). */
function readDim(dim: WireReader): number {
  let size = -1;
  dim.fields({ [tagOf(1, VARINT)]: (r) => (size = Math.max(-1, r.int64Number())) });
  return size;
}
