import { LENGTH_DELIMITED, VARINT, WireError, WireReader } from '../tensor/proto/wire.ts';

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
  try {
    const model = new WireReader(bytes);
    while (!model.done()) {
      const tag = model.tag();
      if (tag === ((7 << 3) | LENGTH_DELIMITED)) readGraph(model.message(), shapes);
      else model.skip(tag & 7);
    }
  } catch (err) {
    if (err instanceof WireError) return null;
    throw err;
  }
  return shapes;
}

function readGraph(r: WireReader, shapes: GraphShapes): void {
  while (!r.done()) {
    const tag = r.tag();
    const into = tag === ((11 << 3) | LENGTH_DELIMITED) ? shapes.inputs : tag === ((12 << 3) | LENGTH_DELIMITED) ? shapes.outputs : null;
    if (!into) {
      r.skip(tag & 7);
      continue;
    }
    const info = readValueInfo(r.message());
    if (info.tensor) into.set(info.name, info.shape);
  }
}

/** ValueInfoProto: name = 1, type = 2 (TypeProto: tensor_type = 1). */
function readValueInfo(r: WireReader): { name: string; tensor: boolean; shape: GraphShape } {
  let name = '';
  let tensor = false;
  let shape: GraphShape = null;
  while (!r.done()) {
    const tag = r.tag();
    if (tag === ((1 << 3) | LENGTH_DELIMITED)) name = r.string();
    else if (tag === ((2 << 3) | LENGTH_DELIMITED)) {
      const type = r.message();
      while (!type.done()) {
        const t = type.tag();
        if (t === ((1 << 3) | LENGTH_DELIMITED)) {
          tensor = true;
          shape = readTensorType(type.message());
        } else type.skip(t & 7);
      }
    } else r.skip(tag & 7);
  }
  return { name, tensor, shape };
}

/** TypeProto.Tensor: elem_type = 1, shape = 2 (absent: unknown rank). */
function readTensorType(r: WireReader): GraphShape {
  let shape: GraphShape = null;
  while (!r.done()) {
    const tag = r.tag();
    if (tag === ((2 << 3) | LENGTH_DELIMITED)) shape = readShape(r.message(), shape ?? []);
    else r.skip(tag & 7);
  }
  return shape;
}

/** TensorShapeProto: dim = 1 (Dimension: dim_value = 1, dim_param = 2). */
function readShape(r: WireReader, dims: number[]): number[] {
  while (!r.done()) {
    const tag = r.tag();
    if (tag !== ((1 << 3) | LENGTH_DELIMITED)) {
      r.skip(tag & 7);
      continue;
    }
    const dim = r.message();
    let size = -1;
    while (!dim.done()) {
      const t = dim.tag();
      if (t === ((1 << 3) | VARINT)) size = Math.max(-1, dim.int64Number());
      else dim.skip(t & 7);
    }
    dims.push(size);
  }
  return dims;
}
