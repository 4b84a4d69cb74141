import { encodeMessage, lookupType } from '../../runtime/node/grpc/proto-root.ts';
import { formatFloat32 } from '../../core/tensor/json/float-format.ts';
import { graph, mulberry32 } from '../../test/fixtures/onnx-writer.ts';

/**
 * The transport bench's model and request bodies. The model is a 224x224x3 float image model
 * whose inference is nearly free (a per-channel mean), so the time a request costs is its
 * transport: x f32[batch, 224, 224, 3] -> ReduceMean over H and W -> y f32[batch, 3].
 * The image is seeded noise in [0, 1), written the way each client would send it:
 *   json    `{"instances": [<224x224x3 nested list>]}`, each number in the shortest text that reads
 *           back as the same float32 (what TF Serving itself writes, at most 9 digits: 0.394871563)
 *   proto   a serialized tensorflow.serving.PredictRequest with the image in tensor_content
 *           (what tf.make_tensor_proto does for a numpy array), for HTTP and gRPC alike
 */
export const H = 224;
export const W = 224;
export const C = 3;

export function imageModel(): Uint8Array {
  return graph({
    inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', H, W, C] }],
    outputs: [{ name: 'y', dtype: 'float32', dims: ['batch', C] }],
    nodes: [{ op: 'ReduceMean', inputs: ['x'], outputs: ['y'], attrs: { axes: [1, 2], keepdims: 0 } }],
  });
}

export function image(seed = 7): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: H * W * C }, () => Math.fround(rand()));
}

export function jsonBody(pixels: Float32Array): string {
  const rows: string[] = [];
  for (let h = 0; h < H; h++) {
    const cols: string[] = [];
    for (let w = 0; w < W; w++) {
      const i = (h * W + w) * C;
      cols.push(`[${formatFloat32(pixels[i])},${formatFloat32(pixels[i + 1])},${formatFloat32(pixels[i + 2])}]`);
    }
    rows.push(`[${cols.join(',')}]`);
  }
  return `{"instances":[[${rows.join(',')}]]}`;
}

export function protoBody(model: string, pixels: Float32Array): Uint8Array {
  return encodeMessage(lookupType('tensorflow.serving.PredictRequest'), {
    model_spec: { name: model },
    inputs: {
      x: {
        dtype: 1,
        tensor_shape: { dim: [1, H, W, C].map((size) => ({ size })) },
        tensor_content: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength),
      },
    },
  });
}
