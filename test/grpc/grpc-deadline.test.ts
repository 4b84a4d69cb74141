import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../core/backend/backend.ts';
import { Manager } from '../../core/manager/manager.ts';
import { runDirect } from '../../core/manager/lease-run.ts';
import { servingMetrics } from '../../core/metrics/serving-metrics.ts';
import { MemorySource } from '../../core/repository/memory-source.ts';
import type { Tensor } from '../../core/tensor/tensor.ts';
import { startGrpcServer, timeLeftMs, type RunningGrpcServer } from '../../runtime/node/grpc/grpc-server.ts';
import { grpcClient, grpcError, Status, type GrpcClient } from './client.ts';

// The server side of deadlines, deterministically: the model's run never finishes until the test
// lets it, so the only way the call can end is the server honouring the client's deadline.
let release!: () => void;
const gate = new Promise<void>((r) => (release = r));
let runs = 0;
const backend: Backend = {
  name: 'gated',
  async load() {
    return {
      signature: { inputs: [{ name: 'x', dtype: 'float32', dims: [-1] }], outputs: [{ name: 'y', dtype: 'float32', dims: [-1] }] },
      async run(inputs: Record<string, Tensor>) {
        runs++;
        await gate;
        return { y: inputs.x };
      },
      async release() {},
    };
  },
};

const metrics = servingMetrics();
const recorded: { labels: Record<string, string>; seen: () => void }[] = [];
const inc = metrics.requests.inc.bind(metrics.requests);
metrics.requests.inc = (labels = {}, by = 1) => {
  inc(labels, by);
  for (const r of recorded) if (Object.entries(r.labels).every(([k, v]) => labels[k] === v)) r.seen();
};
const recordedWith = (labels: Record<string, string>) => new Promise<void>((seen) => recorded.push({ labels, seen }));

let server: RunningGrpcServer;
let client: GrpcClient;
beforeAll(async () => {
  const source = new MemorySource().put('1/model.onnx', 'gated');
  const config = { name: 'm', basePath: 'memory:', platform: 'onnx', versionPolicy: { kind: 'latest' as const, numVersions: 1 }, labels: {} };
  const manager = new Manager([{ config, source }], { backend, cacheBytes: 1e6, pollIntervalMs: -1 });
  const services = { manager, run: runDirect, maxTensorBytes: 1 << 24 };
  const host = { services, recorder: { manager, metrics, now: () => performance.now() }, apiKeys: null, timeoutMs: 60_000, maxBodyBytes: 1 << 20, tensorContent: false, reloadConfig: null };
  server = await startGrpcServer(host, { host: '127.0.0.1', port: 0, log: () => {} });
  client = grpcClient(`127.0.0.1:${server.port}`);
});
afterAll(async () => {
  release();
  client?.close();
  await server?.close();
});

describe('gRPC deadline on the server', () => {
  it('ends a run that outlasts the call deadline with DEADLINE_EXCEEDED, and records it as 504', async () => {
    const answered = recordedWith({ api: 'grpc_predict', status: '504' });
    const request = { model_spec: { name: 'm' }, inputs: { x: { dtype: 1, tensor_shape: { dim: [{ size: 1 }] }, float_val: [1] } } };
    const err = await grpcError(client.call('prediction', 'Predict', request, { deadlineMs: 200 }));
    expect(err.code).toBe(Status.DEADLINE_EXCEEDED);
    await answered; // the server's own deadline fired: the run is still blocked on the gate
    expect(runs).toBe(1);
  });

  it('turns the call deadline into the time left, and no deadline into the default', () => {
    const now = Date.now();
    expect(timeLeftMs(new Date(now + 5000), 30_000)).toBeGreaterThan(4000);
    expect(timeLeftMs(now - 10, 30_000)).toBeLessThan(0);
    expect(timeLeftMs(Infinity, 30_000)).toBe(30_000);
  });
});
