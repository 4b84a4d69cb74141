import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcClient } from '../grpc/client.ts';
import { startServer, type ServerProcess } from './server-process.ts';

// --request_log on the real server: one JSON line per request on stdout, REST and gRPC alike,
// with the client's request id and trace id; --request_log=errors leaves successes out.
let all: ServerProcess;
let errors: ServerProcess;
beforeAll(async () => {
  const args = ['--model_name=half_plus_two', '--model_base_path=models/half_plus_two'];
  [all, errors] = await Promise.all([startServer([...args, '--request_log=all'], {}, { grpc: true }), startServer([...args, '--request_log=errors'])]);
});
afterAll(async () => {
  await Promise.all([all?.stop(), errors?.stop()]);
});

const entries = (server: ServerProcess) =>
  server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
/** The log lines once `count` of them have come through the process's stdout pipe. */
async function logged(server: ServerProcess, count: number) {
  for (let i = 0; i < 100 && entries(server).length < count; i++) await new Promise((done) => setTimeout(done, 20));
  return entries(server);
}

describe('--request_log', () => {
  it('writes one JSON line per request, REST and gRPC, with the ids the client sent', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await fetch(`${all.url}/v1/models/half_plus_two:predict`, { method: 'POST', body: '{"instances": [[1.0]]}', headers: { 'x-request-id': 'rest-1', traceparent } });
    await fetch(`${all.url}/v1/models/nope:predict`, { method: 'POST', body: '{"instances": [[1.0]]}', headers: { 'x-request-id': 'rest-2' } });
    const client = grpcClient(all.grpcAddress!.replace(/^[^:]+/, '127.0.0.1'));
    try {
      await client.call('prediction', 'Predict', { model_spec: { name: 'half_plus_two' }, inputs: { x: { dtype: 1, tensor_shape: { dim: [{ size: 1 }, { size: 1 }] }, float_val: [3] } } }, { metadata: { 'x-request-id': 'grpc-1' } });
    } finally {
      client.close();
    }
    const byId = Object.fromEntries((await logged(all, 3)).map((e) => [e.request_id, e]));
    expect(byId['rest-1']).toMatchObject({ api: 'predict', model: 'half_plus_two', version: 1, status: 200, trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', latency_ms: expect.any(Number), run_ms: expect.any(Number), batch_size: 1, encode_ms: expect.any(Number) });
    expect(byId['rest-2'].run_ms).toBeUndefined();
    expect(byId['rest-2']).toMatchObject({ model: 'nope', status: 404, error_code: 'NOT_FOUND', error: 'Servable not found for request: Latest(nope)' });
    expect(byId['grpc-1']).toMatchObject({ api: 'grpc_predict', model: 'half_plus_two', version: 1, status: 200 });
  });

  it('with errors, logs only the requests that failed', async () => {
    await fetch(`${errors.url}/v1/models/half_plus_two:predict`, { method: 'POST', body: '{"instances": [[1.0]]}' });
    await fetch(`${errors.url}/v1/models/half_plus_two:predict`, { method: 'POST', body: '{"instances": [[1.0' });
    expect((await logged(errors, 1)).map((e) => e.status)).toEqual([400]);
  });
});
