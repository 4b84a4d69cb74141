import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceDefinition } from '../../runtime/node/grpc/grpc-services.ts';
import { encodeMessage, lookupType } from '../../runtime/node/grpc/proto-root.ts';
import { OIP_SERVICE } from '../../runtime/node/grpc/oip-service.ts';
import { erroringModel, offsetModel } from '../delivery/models.ts';
import { startServer, type ServerProcess } from '../e2e/server-process.ts';
import { grpcClient, grpcError, type GrpcClient } from './client.ts';

// Progressive delivery reaches every transport, not only TF Serving's JSON REST: a 50/50 split
// between stable (y = x + 1) and a canary that fails at run time, against the real server process,
// driven only by gRPC Predict and binary (protobuf) HTTP predict, then (a fresh server) only by the
// Open Inference Protocol over REST and gRPC. Each names the label that answered, a routing key
// keeps a caller on one label, and the canary's 5xx answers pull it out of the split.
// Above what the routing-key test sends the canary (about 40 requests), so only the second test pulls it.
const MIN_REQUESTS = 60;

async function splitServer(): Promise<{ server: ServerProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'edgeserve-delivery-grpc-'));
  const base = join(dir, 'ab');
  mkdirSync(join(base, '1'), { recursive: true });
  mkdirSync(join(base, '2'), { recursive: true });
  writeFileSync(join(base, '1', 'model.onnx'), offsetModel(1));
  writeFileSync(join(base, '2', 'model.onnx'), erroringModel());
  writeFileSync(
    join(base, 'model.json'),
    JSON.stringify({ labels: { stable: 1, canary: 2 }, traffic: { stable: 50, canary: 50 }, rollback: { max_error_rate: 0.05, min_requests: MIN_REQUESTS } }),
  );
  return { server: await startServer(['--model_name=ab', `--model_base_path=${base}`], {}, { grpc: true }), dir };
}

async function expectCanaryPulled(server: ServerProcess): Promise<void> {
  const metrics = await (await fetch(`${server.url}/monitoring/prometheus/metrics`)).text();
  expect(metrics).toMatch(/edgeserve_rollbacks_total\{model="ab",version="2",label="canary"\} 1/);
  // The canary's failures are the caller's 400 (an index out of its table) that stable answers: the guard compares.
  expect(metrics).toMatch(/edgeserve_label_requests_total\{model="ab",label="canary",version="2",status="400"\} \d+/);
  expect(server.output()).toContain('rolled back label canary');
}

let dir: string;
let server: ServerProcess;
let client: GrpcClient;

beforeAll(async () => {
  ({ server, dir } = await splitServer());
  client = grpcClient(server.grpcAddress!);
});
afterAll(async () => {
  client?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const x10 = { dtype: 1, tensor_shape: { dim: [{ size: 1 }, { size: 1 }] }, float_val: [10] };
const binaryBody = new Uint8Array(encodeMessage(lookupType('tensorflow.serving.PredictRequest'), { inputs: { x: x10 } }));

function binaryPredict(key?: string) {
  return fetch(`${server.url}/v1/models/ab:predict`, {
    method: 'POST',
    body: binaryBody,
    headers: { 'content-type': 'application/x-protobuf', ...(key && { 'x-edgeserve-routing-key': key }) },
  });
}

async function grpcPredict(key?: string): Promise<'stable' | 'failed'> {
  const request = { model_spec: { name: 'ab' }, inputs: { x: x10 } };
  try {
    const res = await client.call('prediction', 'Predict', request, key ? { metadata: { 'x-edgeserve-routing-key': key } } : {});
    expect(res.model_spec.version.value).toBe(1n);
    return 'stable';
  } catch (err) {
    expect((await grpcError(Promise.reject(err))).code).toBe(3); // INVALID_ARGUMENT: the canary's run error on this input
    return 'failed';
  }
}

describe('progressive delivery over gRPC and binary HTTP', () => {
  it('binary HTTP names the label that answered, and a routing key keeps a caller on one label', async () => {
    // Failed answers carry no model headers (as REST's errors do), and only the canary fails.
    const labelOf = (res: Response) => (res.status === 200 ? res.headers.get('x-model-label') : 'canary');
    const seen = new Set<string | null>();
    for (let k = 0; k < 20; k++) {
      const label = labelOf(await binaryPredict(`user-${k}`));
      seen.add(label);
      for (let i = 0; i < 3; i++) expect(labelOf(await binaryPredict(`user-${k}`))).toBe(label);
    }
    expect([...seen].sort()).toEqual(['canary', 'stable']);
  });

  it("counts the canary's failures from both transports and pulls it; then only stable answers", async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 4 * MIN_REQUESTS; i++) {
      outcomes.push(i % 2 ? await grpcPredict() : (await binaryPredict()).status === 200 ? 'stable' : 'failed');
    }
    expect(outcomes).toContain('failed');
    await expectCanaryPulled(server);
    for (let i = 0; i < 20; i++) expect(await grpcPredict(`after-${i}`)).toBe('stable');
    for (let i = 0; i < 20; i++) expect((await binaryPredict(`after-${i}`)).headers.get('x-model-label')).toBe('stable');
  });
});

describe('progressive delivery over the Open Inference Protocol (REST and gRPC)', () => {
  let oip: { server: ServerProcess; dir: string };
  let oipClient: grpc.Client & Record<string, Function>;
  beforeAll(async () => {
    oip = await splitServer();
    const Ctor = grpc.makeGenericClientConstructor(serviceDefinition(OIP_SERVICE), OIP_SERVICE);
    oipClient = new Ctor(oip.server.grpcAddress!, grpc.credentials.createInsecure()) as never;
  });
  afterAll(async () => {
    oipClient?.close();
    await oip?.server.stop();
    rmSync(oip.dir, { recursive: true, force: true });
  });

  const INFER = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], data: [10] }] });
  const restInfer = (key?: string) =>
    fetch(`${oip.server.url}/v2/models/ab/infer`, { method: 'POST', body: INFER, headers: { 'content-type': 'application/json', ...(key && { 'x-edgeserve-routing-key': key }) } });
  const grpcInfer = () =>
    new Promise<boolean>((resolve) =>
      oipClient.ModelInfer({ model_name: 'ab', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], contents: { fp32_contents: [10] } }] }, (err: unknown) => resolve(!err)),
    );

  it('names the label, keeps a routing key on one label, and pulls the failing canary', async () => {
    // Failed answers carry no model headers, and only the canary fails.
    const labelOf = (res: Response) => (res.status === 200 ? res.headers.get('x-model-label') : 'canary');
    const label = labelOf(await restInfer('user-1'));
    expect(['stable', 'canary']).toContain(label);
    for (let i = 0; i < 3; i++) expect(labelOf(await restInfer('user-1'))).toBe(label);
    let ok = 0;
    for (let i = 0; i < 4 * MIN_REQUESTS; i++) ok += (i % 2 ? await grpcInfer() : (await restInfer()).status === 200) ? 1 : 0;
    expect(ok).toBeLessThan(4 * MIN_REQUESTS);
    await expectCanaryPulled(oip.server);
    for (let i = 0; i < 10; i++) expect((await restInfer(`after-${i}`)).headers.get('x-model-label')).toBe('stable');
    for (let i = 0; i < 10; i++) expect(await grpcInfer()).toBe(true);
  });
});
