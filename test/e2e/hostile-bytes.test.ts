import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from './server-process.ts';
import { postBinary, postJson, rawGrpc, type RawGrpc } from '../fuzz/raw-clients.ts';
import { DT_FLOAT, DT_INT64, FIXED32, LEN, floats32, lenField, predictRequest, tag, tensorProto } from '../fuzz/proto-bytes.ts';

// Issue 12: bytes an attacker would send, against the real server. Each answer must be a 4xx
// (INVALID_ARGUMENT on gRPC) that says what was wrong, cheaply, with bounded quoted text.
const INVALID_ARGUMENT = 3;
let server: ServerProcess;
let grpc: RawGrpc;
beforeAll(async () => {
  server = await startServer(['--model_config_file=models/models.config', '--max_body_bytes=1MiB'], {}, { grpc: true });
  grpc = rawGrpc(server.grpcAddress!);
});
afterAll(async () => {
  grpc?.close();
  await server?.stop();
});

const multiIo = (ids: number[]) =>
  predictRequest({
    model: 'multi_io',
    inputs: [
      ['x', tensorProto(DT_FLOAT, [1, 3], lenField(5, floats32([1, 2, 3])))],
      ['ids', tensorProto(DT_INT64, [1, 2], [...tag(10, LEN), ids.length, ...ids])],
    ],
  });
const binary = (bytes: Uint8Array<ArrayBuffer>, model = 'multi_io') => postBinary(`${server.url}/v1/models/${model}:predict`, bytes);
const oneFloat = (dims: number[]) => [...tag(5, FIXED32), ...floats32([0.5])];
const halfPlusTwo = (dims: number[], signature?: string) =>
  predictRequest({ model: 'half_plus_two', signature, inputs: [['x', tensorProto(DT_FLOAT, dims, oneFloat(dims))]] });

describe('malformed protobuf is the caller\'s fault', () => {
  const cases: [string, number[], RegExp][] = [
    ['a packed int64_val whose last varint is cut off', [0x05, 0x80], /int64_val.*truncated/],
    ['a packed int64_val varint longer than 10 bytes', [0x01, ...Array(10).fill(0xff), 0x01], /int64_val.*longer than 10 bytes/],
  ];
  for (const [name, ids, message] of cases) {
    it(`answers 400 and INVALID_ARGUMENT for ${name}`, async () => {
      const http = await binary(multiIo(ids));
      expect(http.status, http.text).toBe(400);
      expect(JSON.parse(http.text).error).toMatch(message);
      const viaGrpc = await grpc.predict(multiIo(ids));
      expect(viaGrpc.status, viaGrpc.text).toBe(INVALID_ARGUMENT);
      expect(viaGrpc.text).toMatch(message);
    });
  }
});

describe('a tiny body must not become a gigabyte tensor', () => {
  it('refuses a 35-byte request that declares float [262143, 1024] against the signature, before allocating', async () => {
    const bytes = halfPlusTwo([262143, 1024]);
    expect(bytes.byteLength).toBeLessThan(64);
    const started = performance.now();
    const res = await binary(bytes, 'half_plus_two');
    expect(res.status, res.text).toBe(400);
    expect(JSON.parse(res.text).error).toBe('input x: tensor_shape [262143,1024] does not match the signature\'s [-1,1]');
    expect(performance.now() - started).toBeLessThan(1000);
    const viaGrpc = await grpc.predict(bytes);
    expect(viaGrpc).toEqual({ status: INVALID_ARGUMENT, text: JSON.parse(res.text).error });
  });

  it('refuses a wrong rank before allocating', async () => {
    const res = await binary(halfPlusTwo([4]), 'half_plus_two');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error).toBe('input x: tensor_shape [4] has rank 1; the signature\'s [-1,1] has rank 2');
  });

  it('bounds what one fill may allocate by the body limit (16 x --max_body_bytes)', async () => {
    const res = await binary(halfPlusTwo([8_388_608, 1]), 'half_plus_two');
    expect(res.status, res.text).toBe(400);
    expect(JSON.parse(res.text).error).toMatch(/^input x: tensor_shape \[8388608,1\] needs 33554432 bytes; one request may allocate 16777216/);
    expect((await grpc.predict(halfPlusTwo([8_388_608, 1]))).status).toBe(INVALID_ARGUMENT);
  });

  it('keeps the one-value fill where it is small', async () => {
    const res = await binary(halfPlusTwo([1000, 1]), 'half_plus_two');
    expect(res.status, res.text).toBe(200);
    expect((await grpc.predict(halfPlusTwo([1000, 1]))).status).toBe(0);
  });
});

describe('errors quote bounded text', () => {
  const bounded = (error: string, quoted: string) => {
    expect(error.length).toBeLessThan(2300);
    expect(error).toContain(`${quoted.slice(0, 2000)}...`);
    expect(error).not.toContain(quoted.slice(0, 2001));
  };

  it('cuts a 50,000-character signature_name (JSON and binary)', async () => {
    const name = 's'.repeat(50_000);
    const json = await postJson(`${server.url}/v1/models/half_plus_two:predict`, JSON.stringify({ signature_name: name, instances: [[1]] }));
    expect(json.status).toBe(400);
    bounded(JSON.parse(json.text).error, name);
    const bin = await binary(halfPlusTwo([1, 1], name), 'half_plus_two');
    expect(bin.status).toBe(400);
    bounded(JSON.parse(bin.text).error, name);
  });

  it('cuts an 8,000-character model name in a 404, and a long label in a 400', async () => {
    const name = 'm'.repeat(8000);
    const res = await postJson(`${server.url}/v1/models/${name}:predict`, '{"instances": [[1]]}');
    expect(res.status).toBe(404);
    bounded(JSON.parse(res.text).error, name);
    const label = 'l'.repeat(8000);
    const labelled = await postJson(`${server.url}/v1/models/classifier/labels/${label}:predict`, '{"instances": [[1, 2, 3, 4]]}');
    expect(labelled.status).toBe(400);
    bounded(JSON.parse(labelled.text).error, label);
  });

  it('cuts long input aliases', async () => {
    const alias = 'a'.repeat(50_000);
    const bytes = predictRequest({ model: 'half_plus_two', inputs: [[alias, tensorProto(DT_FLOAT, [1, 1], oneFloat([1, 1]))]] });
    const res = await binary(bytes, 'half_plus_two');
    expect(res.status).toBe(400);
    bounded(JSON.parse(res.text).error, alias);
  });
});

describe('--max_tensor_bytes bounds JSON and binary alike', () => {
  let small: ServerProcess;
  beforeAll(async () => {
    small = await startServer(['--model_config_file=models/models.config', '--max_tensor_bytes=64KiB']);
  });
  afterAll(() => small?.stop());

  it('refuses a JSON body whose tensor is over the limit, rows or columns, and takes one under it', async () => {
    const rows = (n: number) => JSON.stringify(Array.from({ length: n }, () => [0]));
    const url = `${small.url}/v1/models/half_plus_two:predict`;
    for (const body of [`{"instances": ${rows(20_000)}}`, `{"inputs": ${rows(20_000)}}`]) {
      const res = await postJson(url, body);
      expect(res.status, res.text).toBe(400);
      expect(JSON.parse(res.text).error).toBe('input x: tensor_shape [20000,1] needs 80000 bytes; one request may allocate 65536 bytes in all (--max_tensor_bytes)');
    }
    expect((await postJson(url, `{"instances": ${rows(16_000)}}`)).status).toBe(200);
    const bin = await postBinary(url, halfPlusTwo([20_000, 1]));
    expect(bin.status).toBe(400);
  });
});
