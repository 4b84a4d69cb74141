import { LENGTH_DELIMITED, WireError, WireReader, tagOf } from '../tensor/proto/wire.ts';

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
    new WireReader(bytes).fields({
      [tagOf(7, LENGTH_DELIMITED)]: (model) =>
        model.message().fields({
          [tagOf(5, LENGTH_DELIMITED)]: (graph) => {
            const location = tensorLocation(graph.message());
            if (location !== null) found.add(location);
          },
        }),
    });
  } catch (err) {
    if (err instanceof WireError) return [];
    throw err;
  }
  return [...found];
}

function tensorLocation(tensor: WireReader): string | null {
  let location: string | null = null;
  tensor.fields({
    [tagOf(13, LENGTH_DELIMITED)]: (r) => {
      let key = '';
      let value = '';
      r.message().fields({
        [tagOf(1, LENGTH_DELIMITED)]: (entry) => (key = entry.string()),
        [tagOf(2, LENGTH_DELIMITED)]: (entry) => (value = entry.string()),
      });
      if (key === 'location') location = value;
    },
  });
  return location;
}
