import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RequestLogEntry } from '../../../core/apis/request-log.ts';
import type { Backend } from '../../../core/backend/backend.ts';
import { singleModelConfig } from '../../../core/config/model-config.ts';
import { MemorySource } from '../../../core/repository/memory-source.ts';
import { createService, type Service, type ServiceSettings } from '../../../core/service/create-service.ts';
import { grpcClient, grpcError, Status, type GrpcClient } from '../../../test/grpc/client.ts';
import { chooseLabel, routingPoint } from '../../../core/version/traffic.ts';
import { startGrpcServer, timeLeftMs, type RunningGrpcServer } from './grpc-server.ts';

// The gRPC listener in this process, over loopback, on the service's ApiHost with in-memory storage
// and a backend whose model adds 1 (test/grpc runs the real server process; this pins the
// listener's own contract where `npm run mutate` sees it): keys, deadlines, errors, metrics, ids.
let gate: Promise<void> | null = null;
const backend: Backend = {
  name: 'fake',
  async load() {
    return {
      signature: { inputs: [{ name: 'x', dtype: 'float32', dims: [-1, 1] }], outputs: [{ name: 'y', dtype: 'float32', dims: [-1, 1] }] },
      run: async ({ x }) => {
        const data = x.data as Float32Array;
        if (data[0] === 13) throw new TypeError('the backend broke');
        if (data[0] === 7) await gate;
        return { y: { dtype: 'float32', dims: x.dims, data: Float32Array.from(data, (v) => v + 1) } };
      },
      release: async () => {},
    };
  },
};

const settings: ServiceSettings = {
  cacheBytes: 1 << 20, pollIntervalMs: -1, apiKeys: ['k1', 'k2'], maxBodyBytes: 4096, maxTensorBytes: 1 << 20, timeoutMs: 30_000, cors: false, batching: null,
  requestLog: { mode: 'all', sampleRate: 1 },
};

const logs: string[] = [];
const entries: RequestLogEntry[] = [];

/** Model "m" (version 1), and "split": versions 1 and 2 behind labels a and b, traffic 50/50. */
function startService(over: Partial<ServiceSettings> = {}): Service {
  const m = new MemorySource('mem:/m').put('1/model.onnx', 'model');
  const split = new MemorySource('mem:/split').put('1/model.onnx', 'model').put('2/model.onnx', 'model')
    .put('model.json', JSON.stringify({ labels: { a: 1, b: 2 }, traffic: { a: 50, b: 50 } }));
  return createService({ ...settings, ...over }, {
    models: { configs: [singleModelConfig('m', m.location), singleModelConfig('split', split.location)], sourceAt: (at) => (at === m.location ? m : split) },
    backend,
    writeRequestLog: (entry) => entries.push(entry),
  });
}

// A fresh service and listener per test, started inside the test (not in beforeAll): `npm run mutate`
// then sees each test cover the listener's start-up, so a mutant there runs every test it affects.
const running: { service: Service; server: RunningGrpcServer; client: GrpcClient }[] = [];
async function listener() {
  const service = startService();
  const server = await startGrpcServer(service.host, { host: '127.0.0.1', port: 0, log: (m) => logs.push(m) });
  running.push({ service, server, client: grpcClient(server.address) });
  return running[running.length - 1];
}
afterEach(async () => {
  for (const { service, server, client } of running.splice(0)) {
    client.close();
    await server.close();
    service.close();
  }
  logs.length = 0;
  entries.length = 0;
});

const floats = (values: number[]) => ({ dtype: 1, tensor_shape: { dim: [{ size: values.length }, { size: 1 }] }, float_val: values });
const predictRequest = (values: number[]) => ({ model_spec: { name: 'm' }, inputs: { x: floats(values) } });
const withKey = (authorization: string, extra: Record<string, string> = {}) => ({ metadata: { authorization, ...extra } });
const metricsText = async (service: Service) => (await service.fetch(new Request('http://edge/monitoring/prometheus/metrics', { headers: { authorization: 'Bearer k1' } }))).text();

describe('startGrpcServer', () => {
  it('answers a call that carries a valid key, counted under api grpc_<method> with status 200', async () => {
    const { client, service } = await listener();
    const res = await client.call('prediction', 'Predict', predictRequest([1, 2]), withKey('Bearer k2'));
    expect(res.outputs.y.float_val).toEqual([2, 3]);
    expect(res.model_spec).toMatchObject({ name: 'm', version: { value: 1n } });
    expect(await metricsText(service)).toMatch(/edgeserve_requests_total\{model="m",version="1",api="grpc_predict",status="200"\} 1\b/);
  });

  for (const authorization of ['Bearer wrong', 'Bearer k1x', 'Bearer k', 'k1', '']) {
    it(`refuses ${JSON.stringify(authorization)} as UNAUTHENTICATED on Predict, GetModelStatus and OIP's ModelInfer`, async () => {
    const { client } = await listener();
      const options = authorization ? withKey(authorization) : {};
      const refused = { code: Status.UNAUTHENTICATED, details: 'Missing or invalid API key' };
      expect(await grpcError(client.call('prediction', 'Predict', predictRequest([1]), options))).toEqual(refused);
      expect(await grpcError(client.call('model', 'GetModelStatus', { model_spec: { name: 'm' } }, options))).toEqual(refused);
      const infer = { model_name: 'm', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], contents: { fp32_contents: [1] } }] };
      expect(await grpcError(client.call('oip', 'ModelInfer', infer, options))).toEqual(refused);
      expect(entries.map((e) => [e.api, e.status])).toEqual([['grpc_predict', 401], ['grpc_status', 401], ['grpc_oip_ModelInfer', 401]]);
    });
  }

  it('answers health checks without a key: SERVING while it is up', async () => {
    const { client } = await listener();
    expect(await client.call('health', 'Check', { service: '' })).toEqual({ status: 1 });
    expect(await client.call('health', 'Check', { service: 'tensorflow.serving.PredictionService' })).toEqual({ status: 1 });
  });

  it('answers a model error with its canonical code, counted under the HTTP status it maps to', async () => {
    const { client } = await listener();
    expect(await grpcError(client.call('prediction', 'Predict', { ...predictRequest([1]), model_spec: { name: 'nope' } }, withKey('Bearer k1')))).toMatchObject({ code: Status.NOT_FOUND });
    expect(entries).toMatchObject([{ api: 'grpc_predict', model: 'nope', status: 404, error_code: 'NOT_FOUND' }]);
    expect(logs).toEqual([]);
  });

  it('answers an unexpected error INTERNAL "Internal error" and logs it once, naming the method', async () => {
    const { client } = await listener();
    expect(await grpcError(client.call('prediction', 'Predict', predictRequest([13]), withKey('Bearer k1')))).toEqual({ code: Status.INTERNAL, details: 'Internal error' });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^edgeserve: unexpected gRPC predict error: .*the backend broke/);
    expect(entries).toMatchObject([{ api: 'grpc_predict', status: 500 }]);
  });

  it("refuses a message over the body limit as RESOURCE_EXHAUSTED before it reaches the model", async () => {
    const { client } = await listener();
    const err = await grpcError(client.call('prediction', 'Predict', predictRequest(Array.from({ length: 2000 }, () => 1)), withKey('Bearer k1')));
    expect(err.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(entries).toEqual([]);
  });

  it("logs the client's x-request-id and traceparent with the call", async () => {
    const { client } = await listener();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await client.call('prediction', 'Predict', predictRequest([1]), withKey('Bearer k1', { 'x-request-id': 'req-7', traceparent: `00-${traceId}-00f067aa0ba902b7-01` }));
    expect(entries).toMatchObject([{ request_id: 'req-7', api: 'grpc_predict', status: 200, trace_id: traceId }]);
  });

  it("holds a call to the client's deadline, not the server's default, and counts it 504", async () => {
    const { client } = await listener();
    let release!: () => void;
    gate = new Promise((resolve) => (release = resolve));
    try {
      const err = await grpcError(client.call('prediction', 'Predict', predictRequest([7]), { ...withKey('Bearer k1'), deadlineMs: 300 }));
      expect(err.code).toBe(Status.DEADLINE_EXCEEDED);
      // The server's own answer comes at the same deadline (its default is 30 s), while the run is still held.
      await vi.waitFor(() => expect(entries).toMatchObject([{ api: 'grpc_predict', status: 504 }]), { timeout: 5000, interval: 20 });
    } finally {
      release();
      gate = null;
    }
  });

  it('names every TF Serving method in the metrics the way REST names its API', async () => {
    const { client } = await listener();
    const key = withKey('Bearer k1');
    await client.call('prediction', 'GetModelMetadata', { model_spec: { name: 'm' }, metadata_field: ['signature_def'] }, key);
    await grpcError(client.call('prediction', 'Classify', { model_spec: { name: 'm' }, input: {} }, key));
    await grpcError(client.call('prediction', 'Regress', { model_spec: { name: 'm' }, input: {} }, key));
    expect(entries.map((e) => e.api)).toEqual(['grpc_metadata', 'grpc_classify', 'grpc_regress']);
  });

  it("routes by the client's x-edgeserve-routing-key metadata: one key, one label", async () => {
    const { client } = await listener();
    const split = (meta: Record<string, string> = {}, spec: object = {}) =>
      client.call('prediction', 'Predict', { model_spec: { name: 'split', ...spec }, inputs: { x: floats([1]) } }, withKey('Bearer k1', meta));
    // Both labels loaded first: only ready labels enter the split.
    await split({}, { version_label: 'a' });
    await split({}, { version_label: 'b' });
    const weights = { a: 50, b: 50 };
    const versions = { a: 1n, b: 2n } as Record<string, bigint>;
    const keys = ['user-1', 'user-2', 'user-3', 'user-4', 'user-5', 'user-6', 'user-7', 'user-8'];
    const expected = keys.map((k) => versions[chooseLabel(weights, () => true, routingPoint(k))!]);
    expect(new Set(expected).size).toBe(2);
    const got = [];
    for (const k of keys) got.push((await split({ 'x-edgeserve-routing-key': k })).model_spec.version.value);
    expect(got).toEqual(expected);
  });

  it('with no API keys set, takes calls with or without one; logs to stdout by default; stops taking calls once closed', async () => {
    const service = startService({ apiKeys: [] });
    const printed = vi.spyOn(console, 'log').mockImplementation(() => {});
    const server = await startGrpcServer(service.host, { host: '127.0.0.1', port: 0 });
    const client = grpcClient(server.address);
    try {
      expect(server.address).toBe(`127.0.0.1:${server.port}`);
      for (const options of [{}, withKey('Bearer anything')]) {
        expect((await client.call('prediction', 'Predict', predictRequest([1]), options)).outputs.y.float_val).toEqual([2]);
      }
      await grpcError(client.call('prediction', 'Predict', predictRequest([13])));
      expect(printed.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/^edgeserve: unexpected gRPC predict error: /)]);
      const watch = client.watch({ service: '' });
      expect(await watch.next()).toEqual({ status: 1 });
      await server.close();
      // A Watch learns NOT_SERVING before its stream ends.
      expect(await watch.next()).toEqual({ status: 2 });
      expect((await grpcError(client.call('prediction', 'Predict', predictRequest([1])))).code).toBe(Status.UNAVAILABLE);
    } finally {
      printed.mockRestore();
      client.close();
      await server.close();
      service.close();
    }
  });

  it('says which address it could not bind', async () => {
    const { service, server } = await listener();
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await expect(startGrpcServer(service.host, { host: '127.0.0.1', port: server.port })).rejects.toThrow(`gRPC cannot listen on 127.0.0.1:${server.port}: `);
      // One line says it (the error above); grpc-js's own "No address added" is not printed beside it.
      expect(printed.mock.calls.filter((c) => /No address added/.test(String(c[0])))).toEqual([]);
    } finally {
      printed.mockRestore();
    }
  });
});

describe('timeLeftMs', () => {
  afterEach(() => vi.useRealTimers());

  it("is the deadline's distance from now, as a Date or as epoch ms; the fallback when the call has none", () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000_000 });
    expect(timeLeftMs(new Date(1_000_250), 99)).toBe(250);
    expect(timeLeftMs(1_000_400, 99)).toBe(400);
    expect(timeLeftMs(999_900, 99)).toBe(-100);
    expect(timeLeftMs(Infinity, 99)).toBe(99);
  });
});
