import * as grpc from '@grpc/grpc-js';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceDefinition } from '../../runtime/node/grpc/grpc-services.ts';
import { OIP_SERVICE } from '../../runtime/node/grpc/oip-service.ts';
import { startServer, type ServerProcess } from '../e2e/server-process.ts';
import { identityModel } from '../fixtures/onnx-writer.ts';

// The Open Inference Protocol against the real server: every datatype through JSON, binary
// REST and gRPC (identity models), BYTES length prefixes byte-exact, and a gRPC client built from
// proto/inference/open_inference_grpc.proto by protobufjs alone (as a stock client is built from
// the spec's file), whose answers equal TF Serving's API for the same model and version.
const DTYPES: [string, string, unknown[], Uint8Array][] = [
  ['bool', 'BOOL', [true, false], new Uint8Array([1, 0])],
  ['int8', 'INT8', [-128, 127], new Uint8Array(new Int8Array([-128, 127]).buffer)],
  ['int16', 'INT16', [-32768, 32767], new Uint8Array(new Int16Array([-32768, 32767]).buffer)],
  ['int32', 'INT32', [-2147483648, 2147483647], new Uint8Array(new Int32Array([-2147483648, 2147483647]).buffer)],
  ['int64', 'INT64', ['-9223372036854775808', '9223372036854775807'], new Uint8Array(new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]).buffer)],
  ['uint8', 'UINT8', [0, 255], new Uint8Array([0, 255])],
  ['uint16', 'UINT16', [0, 65535], new Uint8Array(new Uint16Array([0, 65535]).buffer)],
  ['uint32', 'UINT32', [0, 4294967295], new Uint8Array(new Uint32Array([0, 4294967295]).buffer)],
  ['uint64', 'UINT64', ['0', '18446744073709551615'], new Uint8Array(new BigUint64Array([0n, 2n ** 64n - 1n]).buffer)],
  ['float16', 'FP16', [0.5, 65504], new Uint8Array(new Uint16Array([0x3800, 0x7bff]).buffer)],
  ['float32', 'FP32', [0.1, 3.4028234663852886e38], new Uint8Array(new Float32Array([0.1, 3.4028234663852886e38]).buffer)],
  ['float64', 'FP64', [0.1, 1 / 3], new Uint8Array(new Float64Array([0.1, 1 / 3]).buffer)],
  ['string', 'BYTES', ['a', 'héllo'], new Uint8Array([1, 0, 0, 0, 0x61, 6, 0, 0, 0, 0x68, 0xc3, 0xa9, 0x6c, 0x6c, 0x6f])],
];

// What the JSON codec prints where it differs from the input text (TF Serving's float formatting).
const JSON_OUT: Record<string, string> = { FP16: '[0.5,65504.0]', FP32: '[0.1,3.40282347e+38]', FP64: '[0.1,0.33333333333333331]' };

let dir: string;
let server: ServerProcess;
let client: grpc.Client & Record<string, Function>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgeserve-oip-'));
  cpSync('models', join(dir, 'models'), { recursive: true });
  let config = readFileSync('models/models.config', 'utf8').replace(/\n}\s*$/, '\n');
  for (const [dtype] of DTYPES) {
    cpSync('models/half_plus_two/1', join(dir, 'models', `id_${dtype}`, '1'), { recursive: true });
    writeFileSync(join(dir, 'models', `id_${dtype}`, '1', 'model.onnx'), identityModel(dtype as never, ['batch', 2]));
    config += `  config { name: "id_${dtype}" base_path: "id_${dtype}" model_platform: "onnx" }\n`;
  }
  writeFileSync(join(dir, 'models/models.config'), config + '}\n');
  server = await startServer([`--model_config_file=${join(dir, 'models/models.config')}`], {}, { grpc: true });
  const Ctor = grpc.makeGenericClientConstructor(serviceDefinition(OIP_SERVICE), OIP_SERVICE);
  client = new Ctor(server.grpcAddress!, grpc.credentials.createInsecure()) as never;
});
afterAll(async () => {
  client?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function rpc<T = any>(method: string, request: object): Promise<T> {
  return new Promise((resolve, reject) => client[method](request, (err: grpc.ServiceError | null, res: T) => (err ? reject(err) : resolve(res))));
}

async function rpcError(method: string, request: object): Promise<{ code: number; details: string }> {
  const err = await rpc(method, request).then(() => null, (e: grpc.ServiceError) => e);
  expect(err, 'the call should fail').not.toBeNull();
  return { code: err!.code, details: err!.details };
}

async function rest(path: string, body: Uint8Array<ArrayBuffer> | string, headers: Record<string, string> = {}) {
  const res = await fetch(server.url + path, { method: 'POST', body, headers });
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}

const utf8 = new TextEncoder();
const concat = (a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
};
// JSON data with int64 literals as written (not through JS numbers).
const dataText = (values: unknown[]) => `[${values.map((v) => (typeof v === 'string' && !/^-?\d+$/.test(v) ? JSON.stringify(v) : String(v))).join(',')}]`;

describe('OIP REST: every datatype', () => {
  for (const [dtype, datatype, values, raw] of DTYPES) {
    it(`${datatype} as JSON data`, async () => {
      const body = `{"inputs":[{"name":"x","shape":[1,2],"datatype":"${datatype}","data":${dataText(values)}}]}`;
      const res = await rest(`/v2/models/id_${dtype}/infer`, body);
      const text = new TextDecoder().decode(res.bytes);
      expect(res.status, text).toBe(200);
      expect(text).toContain(`"datatype":"${datatype}","shape":[1,2],"data":`);
      expect(text).toContain(`"data":${JSON_OUT[datatype] ?? dataText(values)}`);
    });
    it(`${datatype} as binary data, byte-exact both ways`, async () => {
      const head = utf8.encode(JSON.stringify({ inputs: [{ name: 'x', shape: [1, 2], datatype, parameters: { binary_data_size: raw.byteLength } }], outputs: [{ name: 'y', parameters: { binary_data: true } }] }));
      const res = await rest(`/v2/models/id_${dtype}/infer`, concat(head, raw), { 'inference-header-content-length': String(head.byteLength) });
      expect(res.status, new TextDecoder().decode(res.bytes)).toBe(200);
      const want = utf8.encode(`{"model_name":"id_${dtype}","model_version":"1","outputs":[{"name":"y","datatype":"${datatype}","shape":[1,2],"parameters":{"binary_data_size":${raw.byteLength}}}]}`);
      expect(res.headers.get('inference-header-content-length')).toBe(String(want.byteLength));
      expect(Buffer.from(res.bytes).toString('hex')).toBe(Buffer.from(concat(want, raw)).toString('hex'));
    });
  }

  it('BYTES elements whose length prefixes do not add up are refused', async () => {
    const head = utf8.encode(JSON.stringify({ inputs: [{ name: 'x', shape: [1, 2], datatype: 'BYTES', parameters: { binary_data_size: 9 } }] }));
    const res = await rest('/v2/models/id_string/infer', concat(head, new Uint8Array([1, 0, 0, 0, 0x61, 9, 0, 0, 0])), { 'inference-header-content-length': String(head.byteLength) });
    expect(res.status).toBe(400);
    expect(JSON.parse(new TextDecoder().decode(res.bytes)).error).toContain('length-prefixed elements');
  });
});

describe('OIP gRPC (inference.GRPCInferenceService)', () => {
  it('answers health, server metadata, model ready and model metadata', async () => {
    expect(await rpc('ServerLive', {})).toEqual({ live: true });
    expect(await rpc('ServerReady', {})).toEqual({ ready: true });
    expect(await rpc('ServerMetadata', {})).toEqual({ name: 'edgeserve', version: '0.1.0', extensions: ['binary_tensor_data'] });
    expect(await rpc('ModelReady', { name: 'half_plus_two', version: '1' })).toEqual({ ready: true });
    expect(await rpc('ModelMetadata', { name: 'multi_io' })).toEqual({
      name: 'multi_io',
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [-1n, 3n] },
        { name: 'ids', datatype: 'INT64', shape: [-1n, 2n] },
      ],
      outputs: [
        { name: 'sum', datatype: 'FP32', shape: [-1n] },
        { name: 'ids_doubled', datatype: 'INT64', shape: [-1n, 2n] },
      ],
    });
  });

  it('ModelInfer with typed contents answers raw_output_contents, id echoed', async () => {
    const res = await rpc('ModelInfer', {
      model_name: 'half_plus_two',
      id: 'req-1',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [3, 1], contents: { fp32_contents: [1, 2, 5] } }],
    });
    expect(res).toMatchObject({ model_name: 'half_plus_two', model_version: '1', id: 'req-1', outputs: [{ name: 'y', datatype: 'FP32', shape: [3n, 1n] }] });
    expect(Array.from(new Float32Array(new Uint8Array(res.raw_output_contents[0]).buffer))).toEqual([2.5, 3, 4.5]);
  });

  it('ModelInfer with raw_input_contents, requested outputs, int64 exact', async () => {
    const res = await rpc('ModelInfer', {
      model_name: 'multi_io',
      model_version: '1',
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [1, 3] },
        { name: 'ids', datatype: 'INT64', shape: [1, 2] },
      ],
      outputs: [{ name: 'ids_doubled' }],
      raw_input_contents: [new Uint8Array(new Float32Array([1, 2, 3.5]).buffer), new Uint8Array(new BigInt64Array([-7n, 2n ** 53n + 1n]).buffer)],
    });
    expect(res.outputs.map((o: any) => o.name)).toEqual(['ids_doubled']);
    expect(Array.from(new BigInt64Array(new Uint8Array(res.raw_output_contents[0]).buffer))).toEqual([-14n, 2n ** 54n + 2n]);
  });

  for (const [dtype, datatype, , raw] of DTYPES) {
    it(`${datatype} round-trips through raw contents`, async () => {
      const res = await rpc('ModelInfer', { model_name: `id_${dtype}`, inputs: [{ name: 'x', datatype, shape: [1, 2] }], raw_input_contents: [raw] });
      expect(res.outputs[0]).toEqual({ name: 'y', datatype, shape: [1n, 2n] });
      expect(Buffer.from(res.raw_output_contents[0]).toString('hex')).toBe(Buffer.from(raw).toString('hex'));
    });
  }

  it('BYTES and BOOL through typed contents', async () => {
    const bytes = await rpc('ModelInfer', { model_name: 'id_string', inputs: [{ name: 'x', datatype: 'BYTES', shape: [1, 2], contents: { bytes_contents: [utf8.encode('a'), utf8.encode('héllo')] } }] });
    expect(Buffer.from(bytes.raw_output_contents[0]).toString('hex')).toBe(Buffer.from(DTYPES.at(-1)![3]).toString('hex'));
    const bools = await rpc('ModelInfer', { model_name: 'id_bool', inputs: [{ name: 'x', datatype: 'BOOL', shape: [1, 2], contents: { bool_contents: [true, false] } }] });
    expect(Array.from(bools.raw_output_contents[0])).toEqual([1, 0]);
  });

  it('a non-numeric model_version is a label; outputs equal TF Serving\'s gRPC Predict', async () => {
    const oip = await rpc('ModelInfer', {
      model_name: 'classifier',
      model_version: 'canary',
      inputs: [{ name: 'inputs', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: [1, 2, 3, 4] } }],
    });
    expect(oip.model_version).toBe('2');
    const tf = await fetch(`${server.url}/v1/models/classifier/labels/canary:predict`, { method: 'POST', body: '{"inputs":[[1,2,3,4]]}' }).then((r) => r.json());
    expect(Array.from(new Float32Array(new Uint8Array(oip.raw_output_contents[0]).buffer))).toEqual(tf.outputs[0].map(Math.fround));
  });

  it('maps failures to gRPC codes with the REST messages', async () => {
    expect(await rpcError('ModelInfer', { model_name: 'nope', inputs: [] })).toMatchObject({ code: grpc.status.NOT_FOUND });
    const mismatch = await rpcError('ModelInfer', { model_name: 'half_plus_two', inputs: [{ name: 'x', datatype: 'INT32', shape: [1, 1], contents: { int_contents: [1] } }] });
    expect(mismatch).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: "input x: datatype INT32 does not match the model's FP32" });
    const wrongField = await rpcError('ModelInfer', { model_name: 'half_plus_two', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], contents: { fp64_contents: [1] } }] });
    expect(wrongField.details).toContain('belongs in contents.fp32_contents');
    const rawCount = await rpcError('ModelInfer', { model_name: 'multi_io', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3] }, { name: 'ids', datatype: 'INT64', shape: [1, 2] }], raw_input_contents: [new Uint8Array(12)] });
    expect(rawCount.details).toContain('raw_input_contents has 1 entries for 2 inputs');
    expect(await rpcError('ModelReady', { name: 'nope' })).toMatchObject({ code: grpc.status.NOT_FOUND });
  });
});

describe('OIP gRPC shares the TF services\' wrapper', () => {
  it('counts calls in the same metrics, api grpc_oip_<method>', async () => {
    await rpc('ModelInfer', { model_name: 'half_plus_two', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], contents: { fp32_contents: [1] } }] });
    const text = await (await fetch(`${server.url}/monitoring/prometheus/metrics`)).text();
    expect(text).toMatch(/edgeserve_requests_total\{model="half_plus_two",version="1",api="grpc_oip_ModelInfer",status="200"\} \d+/);
    expect(text).toMatch(/edgeserve_requests_total\{model="id_string",version="1",api="oip_infer",status="200"\} \d+/);
  });

  it('asks for a bearer key when --api_keys is set', async () => {
    const s = await startServer(['--model_config_file=models/models.config'], { EDGESERVE_API_KEYS: 'k1' }, { grpc: true });
    const Ctor = grpc.makeGenericClientConstructor(serviceDefinition(OIP_SERVICE), OIP_SERVICE);
    const c = new Ctor(s.grpcAddress!, grpc.credentials.createInsecure()) as unknown as Record<string, Function> & grpc.Client;
    const call = (metadata: grpc.Metadata) =>
      new Promise<any>((resolve, reject) =>
        c.ModelInfer({ model_name: 'half_plus_two', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], contents: { fp32_contents: [2] } }] }, metadata, (err: grpc.ServiceError | null, res: any) =>
          err ? reject(err) : resolve(res),
        ),
      );
    try {
      await expect(call(new grpc.Metadata())).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
      // A key must match exactly: not another key, nor one the real key "k1" starts or is started by.
      for (const authorization of ['Bearer wrong', 'Bearer k1x', 'Bearer k', 'Bearer k1k1']) {
        const wrong = new grpc.Metadata();
        wrong.set('authorization', authorization);
        await expect(call(wrong), authorization).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: 'Missing or invalid API key' });
      }
      const metadata = new grpc.Metadata();
      metadata.set('authorization', 'Bearer k1');
      const ok = await call(metadata);
      expect(Array.from(new Float32Array(new Uint8Array(ok.raw_output_contents[0]).buffer))).toEqual([3]);
    } finally {
      c.close();
      await s.stop();
    }
  });
});
