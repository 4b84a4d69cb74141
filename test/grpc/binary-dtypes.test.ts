import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, lookupType } from '../../runtime/node/grpc/proto-root.ts';
import { tfDataType } from '../../core/tensor/dtypes.ts';
import type { DType } from '../../core/tensor/tensor.ts';
import { identityModel } from '../fixtures/onnx-writer.ts';
import { startServer, type ServerProcess } from '../e2e/server-process.ts';

// Every dtype through binary predict and onnxruntime and back (identity models), sent both as
// typed *_val fields and as tensor_content at every offset mod 8 (so both the server's aligned
// view of the request bytes and its unaligned copy reach onnxruntime).
const PredictRequest = lookupType('tensorflow.serving.PredictRequest');
const PredictResponse = lookupType('tensorflow.serving.PredictResponse');

const CASES: [DType, string, unknown[], ArrayBufferView | null][] = [
  ['float32', 'float_val', [0.5, -3.25], new Float32Array([0.5, -3.25])],
  ['float64', 'double_val', [0.1, 1 / 3], new Float64Array([0.1, 1 / 3])],
  ['float16', 'half_val', [0x3800, 0x7bff], new Uint16Array([0x3800, 0x7bff])],
  ['int8', 'int_val', [-128, 127], new Int8Array([-128, 127])],
  ['uint8', 'int_val', [0, 255], new Uint8Array([0, 255])],
  ['int16', 'int_val', [-32768, 32767], new Int16Array([-32768, 32767])],
  ['uint16', 'int_val', [0, 65535], new Uint16Array([0, 65535])],
  ['int32', 'int_val', [-2147483648, 2147483647], new Int32Array([-2147483648, 2147483647])],
  ['uint32', 'uint32_val', [0, 4294967295], new Uint32Array([0, 4294967295])],
  ['int64', 'int64_val', [-9223372036854775808n, 9007199254740993n], new BigInt64Array([-9223372036854775808n, 9007199254740993n])],
  ['uint64', 'uint64_val', [0n, 18446744073709551615n], new BigUint64Array([0n, 18446744073709551615n])],
  ['bool', 'bool_val', [true, false], new Uint8Array([1, 0])],
  ['string', 'string_val', [new TextEncoder().encode('héllo'), new Uint8Array(0)], null],
];

let dir: string;
let server: ServerProcess;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgeserve-dtypes-'));
  const config = ['model_config_list {'];
  for (const [dtype] of CASES) {
    cpSync('models/half_plus_two/1', join(dir, dtype, '1'), { recursive: true });
    writeFileSync(join(dir, dtype, '1', 'model.onnx'), identityModel(dtype, ['batch', 2]));
    config.push(`config { name: "${dtype}" base_path: "${dtype}" model_platform: "onnx" }`);
  }
  writeFileSync(join(dir, 'models.config'), config.join('\n') + '\n}\n');
  server = await startServer([`--model_config_file=${join(dir, 'models.config')}`]);
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function roundTrip(dtype: DType, tensor: object, pad = 0) {
  const res = await fetch(`${server.url}/v1/models/${dtype}:predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    // A leading unknown field (number 5, `pad` bytes long) shifts where the tensor bytes land.
    body: new Uint8Array([0x2a, pad, ...new Uint8Array(pad), ...encodeMessage(PredictRequest, { inputs: { x: tensor } })]),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect(res.status, new TextDecoder().decode(bytes)).toBe(200);
  return decodeMessage<any>(PredictResponse, bytes).outputs.y;
}

describe('binary predict: every dtype', () => {
  for (const [dtype, field, values, raw] of CASES) {
    it(dtype, async () => {
      const shape = { dim: [{ size: 1 }, { size: 2 }] };
      const expected = { dtype: tfDataType(dtype), tensor_shape: { dim: [{ size: 1n }, { size: 2n }] }, [field]: values };
      expect(await roundTrip(dtype, { dtype: tfDataType(dtype), tensor_shape: shape, [field]: values })).toEqual(expected);
      if (raw) {
        const content = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
        for (let pad = 0; pad < 8; pad++) {
          expect(await roundTrip(dtype, { dtype: tfDataType(dtype), tensor_shape: shape, tensor_content: content }, pad)).toEqual(expected);
        }
      }
    });
  }
});
