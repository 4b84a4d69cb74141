import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, lookupType } from '../../runtime/node/grpc/proto-root.ts';
import { encodeJsonPredictResponse as encodeBytes } from '../../core/tensor/json/encode.ts';
import type { Tensor } from '../../core/tensor/tensor.ts';
import { startServer, type ServerProcess } from '../e2e/server-process.ts';
import { grpcClient, type GrpcClient } from './client.ts';

const encodeJsonPredictResponse = (...args: Parameters<typeof encodeBytes>) => new TextDecoder().decode(encodeBytes(...args));

// Binary predict over HTTP (application/x-protobuf) against the real server: the same answers as
// JSON and as gRPC on every bundled model, REST-shaped errors. Requests and responses go through
// protobufjs only, as a stock client's would.
const PredictRequest = lookupType('tensorflow.serving.PredictRequest');
const PredictResponse = lookupType('tensorflow.serving.PredictResponse');

let server: ServerProcess;
let client: GrpcClient;
beforeAll(async () => {
  server = await startServer(['--model_config_file=models/models.config'], {}, { grpc: true });
  client = grpcClient(server.grpcAddress!);
});
afterAll(async () => {
  client?.close();
  await server?.stop();
});

async function binary(path: string, request: object, headers: Record<string, string> = {}) {
  const res = await fetch(server.url + path, {
    method: 'POST',
    body: new Uint8Array(encodeMessage(PredictRequest, request)),
    headers: { 'content-type': 'application/x-protobuf', ...headers },
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, text: () => new TextDecoder().decode(bytes) };
}

/** A decoded TensorProto (protobufjs object) as a core Tensor, to print with the JSON encoder. */
function toTensor(t: any): Tensor {
  const dims = (t.tensor_shape?.dim ?? []).map((d: any) => Number(d.size ?? 0));
  if (t.dtype === 1) return { dtype: 'float32', dims, data: Float32Array.from(t.float_val ?? []) };
  if (t.dtype === 9) return { dtype: 'int64', dims, data: BigInt64Array.from(t.int64_val ?? []) };
  throw new Error(`test helper: dtype ${t.dtype}`);
}

const shape = (dims: number[]) => ({ dim: dims.map((size) => ({ size })) });
const f32 = (dims: number[], values: number[]) => ({ dtype: 1, tensor_shape: shape(dims), float_val: values });

// json: the columnar `inputs` as JSON text (int64 literals beyond 2^53 must not pass through JS numbers).
const MODELS: { path: string; json: string; proto: Record<string, object> }[] = [
  { path: '/v1/models/half_plus_two', json: '{"x": [[1], [2], [5]]}', proto: { x: f32([3, 1], [1, 2, 5]) } },
  { path: '/v1/models/classifier/versions/1', json: '{"inputs": [[1, 2, 3, 4], [0.5, -1, 2, 0]]}', proto: { inputs: f32([2, 4], [1, 2, 3, 4, 0.5, -1, 2, 0]) } },
  { path: '/v1/models/classifier/labels/canary', json: '{"inputs": [[1, 2, 3, 4], [0.5, -1, 2, 0]]}', proto: { inputs: f32([2, 4], [1, 2, 3, 4, 0.5, -1, 2, 0]) } },
  { path: '/v1/models/regressor', json: '{"inputs": [[1, 2, 3], [-0.1, 0.2, 1e-3]]}', proto: { inputs: f32([2, 3], [1, 2, 3, -0.1, 0.2, 1e-3]) } },
  {
    path: '/v1/models/multi_io',
    json: '{"x": [[1, 2, 3]], "ids": [[4611686018427387904, -7]]}',
    proto: { x: f32([1, 3], [1, 2, 3]), ids: { dtype: 9, tensor_shape: shape([1, 2]), int64_val: ['4611686018427387904', '-7'] } },
  },
];

describe('binary predict over HTTP', () => {
  for (const m of MODELS) {
    it(`gives the JSON answer, and the gRPC one, for ${m.path}`, async () => {
      const jsonRes = await fetch(`${server.url}${m.path}:predict`, { method: 'POST', body: `{"inputs": ${m.json}}` });
      const jsonText = await jsonRes.text();
      expect(jsonRes.status, jsonText).toBe(200);
      const res = await binary(`${m.path}:predict`, { inputs: m.proto });
      expect(res.status, res.text()).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/x-protobuf');
      const decoded = decodeMessage<any>(PredictResponse, res.bytes);
      const names = Object.keys(decoded.outputs);
      const tensors = Object.fromEntries(names.map((n) => [n, toTensor(decoded.outputs[n])]));
      const jsonNames = names.length === 1 ? names : Object.keys(JSON.parse(jsonText).outputs);
      // Same numbers, printed by the same JSON encoder: exact equality of every value.
      expect(encodeJsonPredictResponse('columnar', tensors, jsonNames)).toBe(jsonText);
      expect(decoded.model_spec.version.value).toBe(BigInt(jsonRes.headers.get('x-model-version')!));
      expect(res.headers.get('x-model-version')).toBe(jsonRes.headers.get('x-model-version'));

      const name = m.path.split('/')[3];
      const spec = m.path.includes('/versions/') ? { name, version: { value: 1 } } : m.path.includes('/labels/') ? { name, version_label: 'canary' } : { name };
      const viaGrpc = await client.call('prediction', 'Predict', { model_spec: spec, inputs: m.proto });
      expect(viaGrpc).toEqual(decoded);
    });
  }

  it('takes the signature from the body and the model from the URL; contradictions are errors', async () => {
    const ok = await binary('/v1/models/half_plus_two/versions/1:predict', { model_spec: { name: 'half_plus_two', version: { value: 1 } }, inputs: { x: f32([1, 1], [4]) } });
    expect(decodeMessage<any>(PredictResponse, ok.bytes)).toEqual({
      model_spec: { name: 'half_plus_two', version: { value: 1n }, signature_name: 'serving_default' },
      outputs: { y: { dtype: 1, tensor_shape: { dim: [{ size: 1n }, { size: 1n }] }, float_val: [4] } },
    });
    const other = await binary('/v1/models/half_plus_two:predict', { model_spec: { name: 'classifier' }, inputs: {} });
    expect(other.status).toBe(400);
    expect(JSON.parse(other.text())).toEqual({ error: 'model_spec.name "classifier" does not match the model in the URL: "half_plus_two"' });
    const version = await binary('/v1/models/half_plus_two/versions/1:predict', { model_spec: { version: { value: 2 } } });
    expect(JSON.parse(version.text())).toEqual({ error: 'model_spec asks for version 2 but the URL asks for version 1' });
    const sig = await binary('/v1/models/half_plus_two:predict', { model_spec: { signature_name: 'x' }, inputs: { x: f32([1, 1], [4]) } });
    expect(sig.status).toBe(400);
    expect(JSON.parse(sig.text())).toEqual({ error: 'Serving signature key "x" not found.' });
  });

  it('answers errors as REST JSON with the TF status', async () => {
    const missing = await binary('/v1/models/nope:predict', { inputs: {} });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(missing.text())).toEqual({ error: 'Servable not found for request: Latest(nope)' });
    const garbage = await fetch(`${server.url}/v1/models/half_plus_two:predict`, {
      method: 'POST',
      body: new Uint8Array([0x0a, 0xff, 0xff, 0xff]),
      headers: { 'content-type': 'application/x-protobuf' },
    });
    expect(garbage.status).toBe(400);
    expect((await garbage.json()).error).toMatch(/^Could not parse the request body as tensorflow\.serving\.PredictRequest: /);
    const extra = await binary('/v1/models/half_plus_two:predict', { inputs: { x: f32([1, 1], [1]), q: f32([1], [1]) } });
    expect(JSON.parse(extra.text())).toEqual({
      error: 'input size does not match signature: 2!=1 len({q,x}) != len({x}). Sent extra: {q}. Missing but required: {}.',
    });
    const classify = await binary('/v1/models/regressor:classify', {});
    expect(classify.status).toBe(400);
    expect(JSON.parse(classify.text()).error).toContain('accepted by :predict only');
  });

  it('reads gzip-compressed protobuf bodies', async () => {
    const raw = new Uint8Array(encodeMessage(PredictRequest, { inputs: { x: f32([2, 1], [0, 2]) } }));
    const gz = new Uint8Array(await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
    const res = await fetch(`${server.url}/v1/models/half_plus_two:predict`, {
      method: 'POST',
      body: gz,
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
    });
    expect(decodeMessage<any>(PredictResponse, new Uint8Array(await res.arrayBuffer())).outputs.y.float_val).toEqual([2, 3]);
  });
});
