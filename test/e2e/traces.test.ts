import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcClient } from '../grpc/client.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';
import { startServer, type ServerProcess } from './server-process.ts';

// Traces from the real server to a real OTLP/HTTP receiver on loopback, configured by
// OpenTelemetry's standard variables: each request's server span is parented to the client's
// traceparent (REST header or gRPC metadata), with child spans for where its time went.
let receiver: OtlpReceiver;
let server: ServerProcess;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
  server = await startServer(['--model_config_file=models/models.config'], { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'edgeserve-test', OTEL_BSP_SCHEDULE_DELAY: '20' }, { grpc: true });
});
afterAll(async () => {
  await server?.stop();
  await receiver?.close();
});

let n = 0;
/** A fresh client trace: its traceparent (sampled unless asked) and ids. */
function clientTrace(sampled = true) {
  const traceId = (++n).toString(16).padStart(32, 'a');
  const spanId = n.toString(16).padStart(16, 'b');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-${sampled ? '01' : '00'}` };
}
const ofTrace = (traceId: string) => (spans: ReceivedSpan[]) => spans.filter((s) => s.traceId === traceId);
const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) => spans.filter((s) => s.parentSpanId === parent.spanId).map((s) => s.name);

describe('traces over OTLP/HTTP', () => {
  it("parents a REST predict's server span to the client's traceparent, passes tracestate on, and shows where the time went", async () => {
    const client = clientTrace();
    const res = await fetch(`${server.url}/v1/models/half_plus_two:predict`, { method: 'POST', body: '{"instances": [[1.0]]}', headers: { traceparent: client.traceparent, tracestate: 'vendor=x1' } });
    expect(res.status).toBe(200);
    const spans = ofTrace(client.traceId)(await receiver.waitFor((all) => ofTrace(client.traceId)(all).length >= 4));
    const root = spans.find((s) => s.parentSpanId === client.spanId)!;
    expect(root).toMatchObject({ name: 'predict', kind: 2, traceState: 'vendor=x1', service: 'edgeserve-test' });
    expect(root.attributes).toMatchObject({ 'edgeserve.model': 'half_plus_two', 'edgeserve.version': 1, 'http.response.status_code': 200 });
    expect(childrenOf(spans, root)).toEqual(['acquire', 'run', 'encode']);
    const run = spans.find((s) => s.name === 'run')!;
    expect(run.attributes.batch_size).toBe(1);
    // Children lie within the request's span, on the wall clock.
    for (const child of spans.filter((s) => s !== root)) {
      expect(BigInt(child.startTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(root.startTimeUnixNano));
      expect(BigInt(child.endTimeUnixNano)).toBeLessThanOrEqual(BigInt(root.endTimeUnixNano));
    }
    expect(Math.abs(Number(BigInt(root.startTimeUnixNano) / 1_000_000n) - Date.now())).toBeLessThan(60_000);
  });

  it('parents a gRPC Predict to the traceparent in its metadata', async () => {
    const client = clientTrace();
    const grpc = grpcClient(server.grpcAddress!.replace(/^[^:]+/, '127.0.0.1'));
    try {
      await grpc.call('prediction', 'Predict', { model_spec: { name: 'half_plus_two' }, inputs: { x: { dtype: 1, tensor_shape: { dim: [{ size: 1 }, { size: 1 }] }, float_val: [3] } } }, { metadata: { traceparent: client.traceparent } });
    } finally {
      grpc.close();
    }
    const spans = ofTrace(client.traceId)(await receiver.waitFor((all) => ofTrace(client.traceId)(all).length >= 3));
    expect(spans.find((s) => s.parentSpanId === client.spanId)).toMatchObject({ name: 'grpc_predict', kind: 2 });
  });

  it("records a pipeline's preprocessing and output steps inside its run, and a client's error without failing the span", async () => {
    const client = clientTrace();
    const image = readFileSync('docs/examples/sky.jpg');
    const res = await fetch(`${server.url}/v1/models/colors:predict`, { method: 'POST', body: image, headers: { 'content-type': 'image/jpeg', traceparent: client.traceparent } });
    expect(res.status).toBe(200);
    const spans = ofTrace(client.traceId)(await receiver.waitFor((all) => ofTrace(client.traceId)(all).length >= 5));
    const run = spans.find((s) => s.name === 'run')!;
    expect(childrenOf(spans, run)).toEqual(['preprocess', 'postprocess']);

    const bad = clientTrace();
    expect((await fetch(`${server.url}/v1/models/half_plus_two:predict`, { method: 'POST', body: '{"instances": [["x"]]}', headers: { traceparent: bad.traceparent } })).status).toBe(400);
    const root = (await receiver.waitFor((all) => all.some((s) => s.parentSpanId === bad.spanId))).find((s) => s.parentSpanId === bad.spanId)!;
    expect(root.attributes).toMatchObject({ 'http.response.status_code': 400, 'error.type': 'INVALID_ARGUMENT' });
    expect(root.status.code ?? 0).toBe(0);
  });

  it("honours a client's unsampled traceparent: nothing of its trace is sent", async () => {
    const quiet = clientTrace(false);
    const loud = clientTrace();
    await fetch(`${server.url}/v1/models/half_plus_two:predict`, { method: 'POST', body: '{"instances": [[1.0]]}', headers: { traceparent: quiet.traceparent } });
    await fetch(`${server.url}/v1/models/half_plus_two:predict`, { method: 'POST', body: '{"instances": [[1.0]]}', headers: { traceparent: loud.traceparent } });
    const spans = await receiver.waitFor((all) => ofTrace(loud.traceId)(all).length >= 3);
    expect(ofTrace(quiet.traceId)(spans)).toEqual([]);
  });
});
