import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RequestLogEntry } from '../../../core/apis/request-log.ts';
import type { Backend } from '../../../core/backend/backend.ts';
import { singleModelConfig } from '../../../core/config/model-config.ts';
import { MemorySource } from '../../../core/repository/memory-source.ts';
import { createService, type Service, type ServiceSettings } from '../../../core/service/create-service.ts';
import { grpcClient, grpcError, Status, type GrpcClient } from '../../../test/grpc/client.ts';
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

let service: Service;
let server: RunningGrpcServer;
let client: GrpcClient;
const logs: string[] = [];
const entries: RequestLogEntry[] = [];

beforeAll(async () => {
  const source = new MemorySource('mem:/m').put('1/model.onnx', 'model');
  service = createService(settings, {
    models: { configs: [singleModelConfig('m', source.location)], sourceAt: () => source },
    backend,
    writeRequestLog: (entry) => entries.push(entry),
  });
  server = await startGrpcServer(service.host, { host: '127.0.0.1', port: 0, log: (m) => logs.push(m) });
  client = grpcClient(server.address);
});
afterAll(async () => {
  client?.close();
  await server?.close();
  service?.close();
});
afterEach(() => {
  logs.length = 0;
  entries.length = 0;
});

const floats = (values: number[]) => ({ dtype: 1, tensor_shape: { dim: [{ size: values.length }, { size: 1 }] }, float_val: values });
const predictRequest = (values: number[]) => ({ model_spec: { name: 'm' }, inputs: { x: floats(values) } });
const withKey = (authorization: string, extra: Record<string, string> = {}) => ({ metadata: { authorization, ...extra } });
const metricsText = async () => (await service.fetch(new Request('http://edge/monitoring/prometheus/metrics', { headers: { authorization: 'Bearer k1' } }))).text();

describe('startGrpcServer', () => {
  it('answers a call that carries a valid key, counted under api grpc_<method> with status 200', async () => {
    const res = await client.call('prediction', 'Predict', predictRequest([1, 2]), withKey('Bearer k2'));
    expect(res.outputs.y.float_val).toEqual([2, 3]);
    expect(res.model_spec).toMatchObject({ name: 'm', version: { value: 1n } });
    expect(await metricsText()).toMatch(/edgeserve_requests_total\{model="m",version="1",api="grpc_predict",status="200"\} 1\b/);
  });

  for (const authorization of ['Bearer wrong', 'Bearer k1x', 'Bearer k', 'k1', '']) {
    it(`refuses ${JSON.stringify(authorization)} as UNAUTHENTICATED on Predict, GetModelStatus and OIP's ModelInfer`, async () => {
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
    expect(await client.call('health', 'Check', { service: '' })).toEqual({ status: 1 });
    expect(await client.call('health', 'Check', { service: 'tensorflow.serving.PredictionService' })).toEqual({ status: 1 });
  });

  it('answers a model error with its canonical code, counted under the HTTP status it maps to', async () => {
    expect(await grpcError(client.call('prediction', 'Predict', { ...predictRequest([1]), model_spec: { name: 'nope' } }, withKey('Bearer k1')))).toMatchObject({ code: Status.NOT_FOUND });
    expect(entries).toMatchObject([{ api: 'grpc_predict', model: 'nope', status: 404, error_code: 'NOT_FOUND' }]);
  });

  it('answers an unexpected error INTERNAL "Internal error" and logs it once, naming the method', async () => {
    expect(await grpcError(client.call('prediction', 'Predict', predictRequest([13]), withKey('Bearer k1')))).toEqual({ code: Status.INTERNAL, details: 'Internal error' });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^edgeserve: unexpected gRPC predict error: .*the backend broke/);
    expect(entries).toMatchObject([{ api: 'grpc_predict', status: 500 }]);
  });

  it("refuses a message over the body limit as RESOURCE_EXHAUSTED before it reaches the model", async () => {
    const err = await grpcError(client.call('prediction', 'Predict', predictRequest(Array.from({ length: 2000 }, () => 1)), withKey('Bearer k1')));
    expect(err.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(entries).toEqual([]);
  });

  it("logs the client's x-request-id and traceparent with the call", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await client.call('prediction', 'Predict', predictRequest([1]), withKey('Bearer k1', { 'x-request-id': 'req-7', traceparent: `00-${traceId}-00f067aa0ba902b7-01` }));
    expect(entries).toMatchObject([{ request_id: 'req-7', api: 'grpc_predict', status: 200, trace_id: traceId }]);
  });

  it("holds a call to the client's deadline, not the server's default, and counts it 504", async () => {
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

  it('says which address it could not bind', async () => {
    await expect(startGrpcServer(service.host, { host: '127.0.0.1', port: server.port })).rejects.toThrow(`gRPC cannot listen on 127.0.0.1:${server.port}: `);
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
