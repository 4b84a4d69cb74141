import { Status } from '@grpc/grpc-js/build/src/constants.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../core/repository/version-files.ts';
import { largeModel } from '../fixtures/onnx-writer.ts';
import { grpcClient, grpcError, type GrpcClient } from '../grpc/client.ts';
import { startS3rver, type S3rverHarness } from '../storage/s3rver.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { startServer, type ServerProcess } from './server-process.ts';

// The request deadline (--rest_api_timeout_in_ms, a gRPC call's deadline) bounds the wait for a
// model too: with storage stalled, a request for a version not in memory answers 504 (503 when
// storage is known to be failing) at its deadline, not when storage gives up 10 s later, and warm
// versions answer as usual. Storage is s3rver behind a TCP proxy the test stalls or kills. The
// only timed assertions are upper bounds on the deadline this test sets.
const DEADLINE_MS = 300;
const MARGIN_MS = 700;
const BODY = '{"instances": [[10]]}';

let s3: S3rverHarness;
let proxy: TcpProxy;
let server: ServerProcess;
let grpc: GrpcClient;
let dir: string;

async function putVersion(model: string, version: number): Promise<void> {
  const bytes = largeModel(2048, { offset: version });
  await s3.put(`repo/${model}/${version}/model.onnx`, bytes);
  await s3.put(`repo/${model}/${version}/manifest.json`, JSON.stringify({ files: [{ path: 'model.onnx', size: bytes.byteLength, sha256: await sha256Hex(bytes) }] }));
}

/** A predict, timed with the test's own clock; the abort only keeps a regression from hanging. */
async function timedPredict(path: string) {
  const started = performance.now();
  const res = await fetch(`${server.url}/v1/models/${path}:predict`, { method: 'POST', body: BODY, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  return { status: res.status, text, version: res.headers.get('x-model-version'), ms: performance.now() - started };
}

/** Polls until `check` holds; bounded, so a regression fails instead of hanging. */
async function until(check: () => Promise<boolean>, what: string, limitMs = 8000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Lists v2 (the status API revalidates a stale listing) without loading it: latest(1) keeps v1 warm until a request needs v2. */
async function listed(model: string): Promise<void> {
  await until(async () => {
    const body = await (await fetch(`${server.url}/v1/models/${model}`)).json();
    return (body.model_version_status ?? []).some((s: { version: string }) => s.version === '2');
  }, `${model} v2 listed`);
}

beforeAll(async () => {
  s3 = await startS3rver('models');
  proxy = await startTcpProxy(Number(new URL(s3.endpoint).port));
  dir = mkdtempSync(join(tmpdir(), 'edgeserve-deadline-'));
  const config = ['model_config_list {'];
  for (const model of ['stalled', 'down']) {
    await putVersion(model, 1);
    config.push(`config { name: "${model}" base_path: "s3://models/repo/${model}" model_platform: "onnx" }`);
  }
  writeFileSync(join(dir, 'models.config'), config.join('\n') + '\n}\n');
  server = await startServer(
    [`--model_config_file=${join(dir, 'models.config')}`, `--s3_endpoint=${proxy.endpoint}`, '--file_system_poll_wait_seconds=1', `--rest_api_timeout_in_ms=${DEADLINE_MS}`],
    s3.env,
    { grpc: true },
  );
  grpc = grpcClient(server.grpcAddress!);
  await putVersion('stalled', 2);
  await putVersion('down', 2);
  await listed('stalled');
  await listed('down');
}, 30_000);

afterAll(async () => {
  grpc?.close();
  await server?.stop();
  await proxy?.stop();
  await s3?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the request deadline covers the wait for a model', () => {
  it('answers 504 at the deadline while storage stalls a load, and warm versions stay fast', async () => {
    proxy.set({ kind: 'stall' });
    const cold = await timedPredict('stalled/versions/2');
    expect(cold.status, cold.text).toBe(504);
    expect(cold.ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    // v1 still answers "latest" (v2 is not AVAILABLE), from memory, whatever storage does.
    for (let i = 0; i < 3; i++) {
      const warm = await timedPredict('stalled');
      expect([warm.status, warm.version]).toEqual([200, '1']);
      expect(warm.ms).toBeLessThan(DEADLINE_MS);
    }
  });

  it('ends a gRPC Predict waiting for that load at its deadline, on the server too', async () => {
    proxy.set({ kind: 'stall' });
    const request = { model_spec: { name: 'stalled', version: { value: 2 } }, inputs: { x: { dtype: 1, tensor_shape: { dim: [{ size: 1 }, { size: 1 }] }, float_val: [10] } } };
    const started = performance.now();
    const err = await grpcError(grpc.call('prediction', 'Predict', request, { deadlineMs: DEADLINE_MS }));
    expect(err.code).toBe(Status.DEADLINE_EXCEEDED);
    // The client gives up at its deadline by itself; the server's own answer shows in its metrics.
    await until(async () => /edgeserve_requests_total\{[^}]*api="grpc_predict"[^}]*status="504"/.test(await (await fetch(`${server.url}/monitoring/prometheus/metrics`)).text()), 'the server answering 504', 2000);
    expect(performance.now() - started).toBeLessThan(DEADLINE_MS + MARGIN_MS + 2000);
  });

  it('ends a gRPC GetModelMetadata waiting for that load at its deadline, on the server too', async () => {
    proxy.set({ kind: 'stall' });
    const request = { model_spec: { name: 'stalled', version: { value: 2 } }, metadata_field: ['signature_def'] };
    const err = await grpcError(grpc.call('prediction', 'GetModelMetadata', request, { deadlineMs: DEADLINE_MS }));
    expect(err.code).toBe(Status.DEADLINE_EXCEEDED);
    await until(async () => /edgeserve_requests_total\{[^}]*api="grpc_metadata"[^}]*status="504"/.test(await (await fetch(`${server.url}/monitoring/prometheus/metrics`)).text()), 'the server answering 504', 2000);
  });

  it('answers 503 at the deadline when storage is known to be failing', async () => {
    proxy.set({ kind: 'down' });
    const first = await timedPredict('down/versions/2');
    expect([503, 504], first.text).toContain(first.status); // connections reset: retried, then the load fails
    expect(first.ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    await until(async () => {
      const body = await (await fetch(`${server.url}/v1/models/down`)).json();
      return body.model_version_status.some((s: { version: string; status: { error_code: string } }) => s.version === '2' && s.status.error_code === 'UNAVAILABLE');
    }, 'the load of v2 failing for want of storage');
    proxy.set({ kind: 'stall' });
    // After the load's backoff a request retries it; storage now stalls, and the answer at the
    // deadline names the fault it last saw.
    let last = first;
    await until(async () => {
      last = await timedPredict('down/versions/2');
      expect(last.status, last.text).toBe(503);
      expect(last.ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
      return last.text.includes('still retrying');
    }, 'a 503 from the deadline', 5000);
    expect(last.text).toContain('ECONNRESET');
  });
});
