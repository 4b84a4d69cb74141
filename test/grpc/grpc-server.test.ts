import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, lookupType } from '../../runtime/node/grpc/proto-root.ts';
import { startServer, type ServerProcess } from '../e2e/server-process.ts';
import { grpcClient, grpcError, Status, type GrpcClient } from './client.ts';
import { slowModel } from './slow-model.ts';

// TF Serving's gRPC API against the real server process, with a client built from our protos by
// protobufjs alone (as a stock client is built from the official ones).
let dir: string;
let server: ServerProcess;
let client: GrpcClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgeserve-grpc-'));
  cpSync('models', join(dir, 'models'), { recursive: true });
  cpSync('models/half_plus_two/1', join(dir, 'models/slow/1'), { recursive: true });
  writeFileSync(join(dir, 'models/slow/1/model.onnx'), slowModel({ n: 768, matmuls: 4 }));
  const config = readFileSync('models/models.config', 'utf8').replace(/\n}\s*$/, '\n  config { name: "slow" base_path: "slow" model_platform: "onnx" }\n}\n');
  writeFileSync(join(dir, 'models/models.config'), config);
  server = await startServer([`--model_config_file=${join(dir, 'models/models.config')}`], {}, { grpc: true });
  client = grpcClient(server.grpcAddress!);
});
afterAll(async () => {
  client?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const shape = (dims: number[]) => ({ dim: dims.map((size) => ({ size })) });
const floats = (dims: number[], values: number[]) => ({ dtype: 1, tensor_shape: shape(dims), float_val: values });
const predict = (request: object, options = {}) => client.call('prediction', 'Predict', request, options);

describe('gRPC Predict', () => {
  it('runs the latest version and names it in model_spec', async () => {
    const res = await predict({ model_spec: { name: 'half_plus_two' }, inputs: { x: floats([3, 1], [1, 2, 5]) } });
    expect(res.model_spec).toEqual({ name: 'half_plus_two', version: { value: 1n }, signature_name: 'serving_default' });
    expect(res.outputs.y).toEqual({ dtype: 1, tensor_shape: { dim: [{ size: 3n }, { size: 1n }] }, float_val: [2.5, 3, 4.5] });
  });

  it('reads tensor_content and broadcasts a single typed value', async () => {
    const content = new Uint8Array(new Float32Array([1, 2]).buffer);
    const a = await predict({ model_spec: { name: 'half_plus_two' }, inputs: { x: { dtype: 1, tensor_shape: shape([2, 1]), tensor_content: content } } });
    expect(a.outputs.y.float_val).toEqual([2.5, 3]);
    const b = await predict({ model_spec: { name: 'half_plus_two' }, inputs: { x: floats([4, 1], [6]) } });
    expect(b.outputs.y.float_val).toEqual([5, 5, 5, 5]);
  });

  it('keeps int64 exact, and honours output_filter', async () => {
    const inputs = {
      x: floats([1, 3], [1, 2, 3]),
      ids: { dtype: 9, tensor_shape: shape([1, 2]), int64_val: ['9007199254740993', '-4611686018427387904'] },
    };
    const all = await predict({ model_spec: { name: 'multi_io' }, inputs });
    expect(Object.keys(all.outputs).sort()).toEqual(['ids_doubled', 'sum']);
    expect(all.outputs.ids_doubled.int64_val).toEqual([18014398509481986n, -9223372036854775808n]);
    const some = await predict({ model_spec: { name: 'multi_io' }, inputs, output_filter: ['sum'] });
    expect(Object.keys(some.outputs)).toEqual(['sum']);
    expect(some.outputs.sum.float_val).toEqual([6]);
  });

  it('pins a version or a label', async () => {
    const x = { inputs: floats([1, 4], [1, 0, 0, 0]) };
    const v1 = await predict({ model_spec: { name: 'classifier', version: { value: 1 } }, inputs: x });
    const canary = await predict({ model_spec: { name: 'classifier', version_label: 'canary' }, inputs: x });
    expect(v1.model_spec.version.value).toBe(1n);
    expect(canary.model_spec.version.value).toBe(2n);
    expect(v1.outputs.scores.float_val).not.toEqual(canary.outputs.scores.float_val);
  });
});

describe('gRPC errors: TF Serving codes and messages', () => {
  const hpt = (over: object) => ({ model_spec: { name: 'half_plus_two' }, inputs: { x: floats([1, 1], [1]) }, ...over });
  const cases: [string, object, number, string][] = [
    ['no model_spec', { inputs: {} }, Status.INVALID_ARGUMENT, 'Missing ModelSpec'],
    ['an empty model name', { model_spec: { name: '' } }, Status.INVALID_ARGUMENT, 'ModelSpec has no name specified.'],
    ['an unknown model', { model_spec: { name: 'nope' } }, Status.NOT_FOUND, 'Servable not found for request: Latest(nope)'],
    ['an unknown version', { model_spec: { name: 'half_plus_two', version: { value: 7 } } }, Status.NOT_FOUND, 'Servable not found for request: Specific(half_plus_two, 7)'],
    ['an unknown label', { model_spec: { name: 'classifier', version_label: 'beta' } }, Status.INVALID_ARGUMENT, 'Unrecognized servable version label: beta'],
    ['an unknown signature', hpt({ model_spec: { name: 'half_plus_two', signature_name: 'other' } }), Status.FAILED_PRECONDITION, 'Serving signature key "other" not found.'],
    [
      'an extra input',
      hpt({ inputs: { x: floats([1, 1], [1]), z: floats([1], [1]) } }),
      Status.INVALID_ARGUMENT,
      'input size does not match signature: 2!=1 len({x,z}) != len({x}). Sent extra: {z}. Missing but required: {}.',
    ],
    ['a wrong alias', hpt({ inputs: { q: floats([1, 1], [1]) } }), Status.INVALID_ARGUMENT, 'input tensor alias not found in signature: q. Inputs expected to be in the set {x}.'],
    ['an unknown output', hpt({ output_filter: ['z'] }), Status.INVALID_ARGUMENT, 'output tensor alias not found in signature: z Outputs expected to be in the set {y}.'],
    ['a repeated output', hpt({ output_filter: ['y', 'y'] }), Status.INVALID_ARGUMENT, 'duplicate output tensor alias: y'],
    [
      'short tensor_content',
      hpt({ inputs: { x: { dtype: 1, tensor_shape: shape([2, 1]), tensor_content: new Uint8Array(4) } } }),
      Status.INVALID_ARGUMENT,
      'tensor parsing error: x (tensor_content has 4 bytes; 2 float values need 8)',
    ],
    ['a wrong dtype', hpt({ inputs: { x: { dtype: 3, tensor_shape: shape([1, 1]), int_val: [1] } } }), Status.INVALID_ARGUMENT, 'Expects arg[x] to be float but int32 is provided'],
  ];
  for (const [name, request, code, details] of cases) {
    it(`answers ${name}`, async () => {
      expect(await grpcError(predict(request))).toEqual({ code, details });
    });
  }

  it('reports shape errors from the runtime as INVALID_ARGUMENT', async () => {
    const err = await grpcError(predict(hpt({ inputs: { x: floats([1, 3], [1, 2, 3]) } })));
    expect(err.code).toBe(Status.INVALID_ARGUMENT);
  });

  it('cuts messages longer than 1024 characters and appends ...TRUNCATED', async () => {
    const name = 'm'.repeat(2000);
    const err = await grpcError(predict({ model_spec: { name } }));
    expect(err.code).toBe(Status.NOT_FOUND);
    expect(err.details).toBe(`Servable not found for request: Latest(${name})`.slice(0, 1024) + '...TRUNCATED');
  });

  it("answers UNIMPLEMENTED for TF Serving's SessionService (raw TensorFlow sessions), which edgeserve does not serve", async () => {
    const { makeGenericClientConstructor, credentials } = await import('@grpc/grpc-js');
    const Ctor = makeGenericClientConstructor(
      { SessionRun: { path: '/tensorflow.serving.SessionService/SessionRun', requestStream: false, responseStream: false, requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b } },
      'x',
    );
    const c = new Ctor(server.grpcAddress!, credentials.createInsecure()) as any;
    const err = await grpcError(new Promise((res, rej) => c.SessionRun(Buffer.alloc(0), (e: unknown, r: unknown) => (e ? rej(e) : res(r)))));
    c.close();
    expect(err.code).toBe(Status.UNIMPLEMENTED);
  });
});

describe('gRPC deadlines', () => {
  it('answers DEADLINE_EXCEEDED when the run outlasts the deadline, and keeps serving', async () => {
    const request = { model_spec: { name: 'slow' }, inputs: { x: floats([1], [1]) } };
    // The run's length on this machine decides the deadline: a tenth of it.
    const started = performance.now();
    await predict(request);
    const runMs = performance.now() - started;
    const err = await grpcError(predict(request, { deadlineMs: Math.max(1, runMs / 10) }));
    expect(err.code).toBe(Status.DEADLINE_EXCEEDED);
    const ok = await predict({ model_spec: { name: 'half_plus_two' }, inputs: { x: floats([1, 1], [2]) } });
    expect(ok.outputs.y.float_val).toEqual([3]);
  });
});

describe('gRPC Classify and Regress', () => {
  const example = (features: Record<string, object>) => ({ features: { feature: features } });
  const floatList = (...value: number[]) => ({ float_list: { value } });

  it('classifies examples with the model labels, as the REST API does', async () => {
    const res = await client.call('prediction', 'Classify', {
      model_spec: { name: 'classifier', version: { value: 1 } },
      input: { example_list: { examples: [example({ inputs: floatList(1, 2, 3, 4) }), example({ inputs: floatList(0, 0, 0, 0) })] } },
    });
    expect(res.model_spec).toEqual({ name: 'classifier', version: { value: 1n }, signature_name: 'serving_default' });
    const rest = await fetch(`${server.url}/v1/models/classifier/versions/1:classify`, {
      method: 'POST',
      body: JSON.stringify({ examples: [{ inputs: [1.0, 2.0, 3.0, 4.0] }, { inputs: [0.0, 0.0, 0.0, 0.0] }] }),
    }).then((r) => r.json());
    const viaGrpc = res.result.classifications.map((c: any) => c.classes.map((k: any) => [k.label, k.score]));
    expect(viaGrpc).toEqual(rest.results.map((row: [string, number][]) => row.map(([l, s]) => [l, Math.fround(s)])));
    expect(viaGrpc[0].map((c: [string]) => c[0])).toEqual(['setosa', 'versicolor', 'virginica']);
  });

  it('regresses examples merged with a shared context (the example wins)', async () => {
    const res = await client.call('prediction', 'Regress', {
      model_spec: { name: 'regressor' },
      input: {
        example_list_with_context: {
          context: example({ inputs: floatList(9, 9, 9) }),
          examples: [example({ inputs: floatList(1, 1, 1) }), example({})],
        },
      },
    });
    // outputs = x·[0.5, 1, 2] + 2
    expect(res.result.regressions).toEqual([{ value: 5.5 }, { value: 33.5 }]);
    expect(res.model_spec.version.value).toBe(1n);
  });

  it("answers TF Serving's errors", async () => {
    const req = { model_spec: { name: 'regressor' }, input: { example_list: { examples: [] } } };
    expect(await grpcError(client.call('prediction', 'Regress', req))).toEqual({ code: Status.INVALID_ARGUMENT, details: 'Input is empty.' });
    const sig = { ...req, model_spec: { name: 'regressor', signature_name: 'x' } };
    expect(await grpcError(client.call('prediction', 'Classify', sig))).toEqual({ code: Status.INVALID_ARGUMENT, details: 'No signature was found with the name: x' });
    expect(await grpcError(client.call('prediction', 'Classify', { input: {} }))).toEqual({ code: Status.INVALID_ARGUMENT, details: 'Missing ModelSpec' });
  });
});

describe('gRPC MultiInference', () => {
  const example = (features: Record<string, object>) => ({ features: { feature: features } });
  const floatList = (...value: number[]) => ({ float_list: { value } });
  const input = { example_list: { examples: [example({ inputs: floatList(1, 2, 3, 4) }), example({ inputs: floatList(0, 0, 0, 0) })] } };

  it('answers a classify task over the shared examples as Classify does', async () => {
    const spec = { name: 'classifier', version: { value: 1 } };
    const multi = await client.call('prediction', 'MultiInference', { tasks: [{ model_spec: spec, method_name: 'tensorflow/serving/classify' }], input });
    const single = await client.call('prediction', 'Classify', { model_spec: spec, input });
    expect(multi.results).toHaveLength(1);
    expect(multi.results[0].model_spec).toEqual(single.model_spec);
    expect(multi.results[0].classification_result).toEqual(single.result);
    const regress = await client.call('prediction', 'MultiInference', {
      tasks: [{ model_spec: { name: 'regressor' }, method_name: 'tensorflow/serving/regress' }],
      input: { example_list: { examples: [example({ inputs: floatList(1, 1, 1) })] } },
    });
    expect(regress.results[0].regression_result.regressions).toEqual([{ value: 5.5 }]);
  });

  it('refuses what TF Serving refuses, in its words', async () => {
    const task = (name: string, method = 'tensorflow/serving/classify', signature_name = '') => ({ model_spec: { name, signature_name }, method_name: method });
    const cases: [object, number, string][] = [
      [{ tasks: [], input }, Status.INVALID_ARGUMENT, 'Expected at least one task'],
      [{ tasks: [task('classifier'), task('regressor', 'tensorflow/serving/regress', 'other')], input }, Status.INVALID_ARGUMENT, 'All ModelSpecs in a MultiInferenceRequest must access the same model name.'],
      [{ tasks: [task('classifier'), task('classifier', 'tensorflow/serving/regress', 'serving_default')], input }, Status.INVALID_ARGUMENT, 'Duplicate evaluation of signature: serving_default'],
      [{ tasks: [task('classifier', 'tensorflow/serving/predict')], input }, Status.UNIMPLEMENTED, 'Unsupported signature method_name: tensorflow/serving/predict'],
      [{ tasks: [task('')], input }, Status.INVALID_ARGUMENT, 'Found ModelSpec with an empty model name.'],
    ];
    for (const [request, code, details] of cases) expect(await grpcError(client.call('prediction', 'MultiInference', request)), details).toEqual({ code, details });
  });
});

describe('gRPC GetModelMetadata and GetModelStatus', () => {
  it('packs the signature in an Any holding a SignatureDefMap', async () => {
    const res = await client.call('prediction', 'GetModelMetadata', { model_spec: { name: 'multi_io' }, metadata_field: ['signature_def'] });
    expect(res.model_spec).toEqual({ name: 'multi_io', version: { value: 1n } }); // signature_name "" is not on the wire
    const any = res.metadata.signature_def;
    expect(any.type_url).toBe('type.googleapis.com/tensorflow.serving.SignatureDefMap');
    const map = decodeMessage<any>(lookupType('tensorflow.serving.SignatureDefMap'), any.value);
    const sig = map.signature_def.serving_default;
    expect(sig.method_name).toBe('tensorflow/serving/predict');
    expect(sig.inputs.ids).toEqual({ name: 'ids', dtype: 9, tensor_shape: { dim: [{ size: -1n }, { size: 2n }] } });
    expect(Object.keys(sig.outputs).sort()).toEqual(['ids_doubled', 'sum']);
  });

  it('checks metadata_field as TF Serving does', async () => {
    const call = (metadata_field: string[]) => grpcError(client.call('prediction', 'GetModelMetadata', { model_spec: { name: 'multi_io' }, metadata_field }));
    expect(await call([])).toEqual({ code: Status.INVALID_ARGUMENT, details: 'GetModelMetadataRequest must specify at least one metadata_field' });
    expect(await call(['other'])).toEqual({ code: Status.INVALID_ARGUMENT, details: 'Metadata field other is not supported' });
  });

  it('lists versions highest first, or one version; a label is ignored', async () => {
    const all = await client.call('model', 'GetModelStatus', { model_spec: { name: 'classifier', version_label: 'stable' } });
    expect(all.model_version_status).toEqual([
      { version: 2n, state: 30, status: {} },
      { version: 1n, state: 30, status: {} },
    ]);
    const one = await client.call('model', 'GetModelStatus', { model_spec: { name: 'classifier', version: { value: 1 } } });
    expect(one.model_version_status).toEqual([{ version: 1n, state: 30, status: {} }]);
    expect(await grpcError(client.call('model', 'GetModelStatus', { model_spec: { name: 'nope' } }))).toEqual({
      code: Status.NOT_FOUND,
      details: 'Could not find any versions of model nope',
    });
  });
});

describe('gRPC health', () => {
  it('serves the standard health service for the server and each service', async () => {
    for (const service of ['', 'tensorflow.serving.PredictionService', 'tensorflow.serving.ModelService', 'PredictionService']) {
      expect(await client.call('health', 'Check', { service })).toEqual({ status: 1 });
    }
    expect((await grpcError(client.call('health', 'Check', { service: 'nope' }))).code).toBe(Status.NOT_FOUND);
    expect(await client.first('health', 'Watch', { service: '' })).toEqual({ status: 1 });
  });
});

describe('gRPC options', () => {
  it('asks for a bearer key when --api_keys is set (health checks excepted)', async () => {
    const s = await startServer(['--model_config_file=models/models.config'], { EDGESERVE_API_KEYS: 'k1' }, { grpc: true });
    const c = grpcClient(s.grpcAddress!);
    try {
      const req = { model_spec: { name: 'half_plus_two' }, inputs: { x: floats([1, 1], [2]) } };
      expect(await grpcError(c.call('prediction', 'Predict', req))).toEqual({ code: Status.UNAUTHENTICATED, details: 'Missing or invalid API key' });
      // A key must match exactly: not another key, nor one the real key "k1" starts or is started by.
      for (const authorization of ['Bearer wrong', 'Bearer k1x', 'Bearer k', 'Bearer k1k1']) {
        const err = await grpcError(c.call('prediction', 'Predict', req, { metadata: { authorization } }));
        expect(err, authorization).toEqual({ code: Status.UNAUTHENTICATED, details: 'Missing or invalid API key' });
      }
      const ok = await c.call('prediction', 'Predict', req, { metadata: { authorization: 'Bearer k1' } });
      expect(ok.outputs.y.float_val).toEqual([3]);
      expect(await c.call('health', 'Check', { service: '' })).toEqual({ status: 1 });
    } finally {
      c.close();
      await s.stop();
    }
  });

  it('is off with --port=0', async () => {
    const s = await startServer(['--model_config_file=models/models.config']);
    try {
      expect(s.grpcAddress).toBeNull();
      expect(s.output()).not.toContain('gRPC API at');
    } finally {
      await s.stop();
    }
  });
});
