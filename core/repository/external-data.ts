import { LENGTH_DELIMITED, WireError, WireReader } from '../tensor/proto/wire.ts';

/**
 * The external-data files an ONNX model refers to: the distinct "location" values of its graph's
 * initializers (ModelProto.graph = 7, GraphProto.initializer = 5, TensorProto.external_data = 13,
 * StringStringEntryProto key = 1 / value = 2), in order of first use. [] for a model that keeps its
 * weights inline, or bytes that do not parse (the backend then reports what is wrong).
 *
 * Why: ONNX's protobuf cannot pass 2 GB, so large models put their weights in files beside
 * model.onnx; readVersion must know which files the backend needs (for onnxruntime-web's
 * externalData, and to put them on disk beside model.onnx). Nodes and initializers are skipped by
 * their length prefix: one pass, views only. Tensors inside node attributes are not searched
 * (exporters externalise initializers only).
 */
export function externalDataLocations(bytes: Uint8Array): string[] {
  const found = new Set<string>();
  try {
    const model = new WireReader(bytes);
    while (!model.done()) {
      const tag = model.tag();
      if (tag !== ((7 << 3) | LENGTH_DELIMITED)) {
        model.skip(tag & 7);
        continue;
      }
      const graph = model.message();
      while (!graph.done()) {
        const t = graph.tag();
        if (t === ((5 << 3) | LENGTH_DELIMITED)) {
          const location = tensorLocation(graph.message());
          if (location !== null) found.add(location);
        } else graph.skip(t & 7);
      }
    }
  } catch (err) {
    if (err instanceof WireError) return [];
    throw err;
  }
  return [...found];
}

function tensorLocation(tensor: WireReader): string | null {
  let location: string | null = null;
  while (!tensor.done()) {
    const tag = tensor.tag();
    if (tag !== ((13 << 3) | LENGTH_DELIMITED)) {
      tensor.skip(tag & 7);
      continue;
    }
    const entry = tensor.message();
    let key = '';
    let value = '';
    while (!entry.done()) {
      const t = entry.tag();
      if (t === ((1 << 3) | LENGTH_DELIMITED)) key = entry.string();
      else if (t === ((2 << 3) | LENGTH_DELIMITED)) value = entry.string();
      else entry.skip(t & 7);
    }
    if (key === 'location') location = value;
  }
  return location;
}
