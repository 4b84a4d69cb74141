import { describe, expect, it } from 'vitest';
import { onnxruntimeNode } from '../../runtime/node/onnxruntime-node.ts';
import { largeModel } from '../../test/fixtures/onnx-writer.ts';
import { MemorySource } from '../repository/memory-source.ts';
import { sha256Hex } from '../repository/version-files.ts';
import { config } from '../testing/fake-manager.ts';
import { Manager } from './manager.ts';
import { maskedCrc32c, parseTfWarmup, readTfRecords } from './tf-warmup.ts';

// TF Serving's warmup file (assets.extra/tf_serving_warmup_requests, TFRecord of PredictionLog),
// written here by hand with the protobuf wire format, as TF's own tooling would.
const varint = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...varint(n >>> 7)]);
const field = (n: number, bytes: Uint8Array | number[]) => [...varint((n << 3) | 2), ...varint(bytes.length), ...bytes];
const text = (s: string) => [...new TextEncoder().encode(s)];

function predictionLog(x: number): Uint8Array {
  const dim = field(2, varint((1 << 3) | 0).concat(varint(1))); // TensorShapeProto.dim { size: 1 }
  const floats = new Uint8Array(Float32Array.of(x).buffer);
  const tensor = [...varint((1 << 3) | 0), 1, ...field(2, [...dim, ...dim]), ...field(5, [...floats])]; // DT_FLOAT, [1, 1], float_val
  const request = field(2, [...field(1, text('x')), ...field(2, tensor)]); // inputs { key: "x" value: ... }
  return new Uint8Array(field(6, field(1, request))); // PredictionLog.predict_log.request
}

function tfRecord(records: Uint8Array[]): Uint8Array {
  const out: number[] = [];
  for (const data of records) {
    const header = new Uint8Array(12);
    const view = new DataView(header.buffer);
    view.setBigUint64(0, BigInt(data.length), true);
    view.setUint32(8, maskedCrc32c(header.subarray(0, 8)), true);
    const crc = new Uint8Array(4);
    new DataView(crc.buffer).setUint32(0, maskedCrc32c(data), true);
    out.push(...header, ...data, ...crc);
  }
  return new Uint8Array(out);
}

describe('TF Serving warmup file', () => {
  it('computes TFRecord\'s masked CRC-32C', () => {
    const crc = 0xe3069283; // CRC-32C of "123456789"
    expect(maskedCrc32c(new TextEncoder().encode('123456789'))).toBe((((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0);
  });

  it('reads PredictionLog records and refuses corrupt files and other log types', () => {
    const file = tfRecord([predictionLog(1), predictionLog(2)]);
    const requests = parseTfWarmup(file, 'w');
    expect(requests.map((r) => [...r.inputs.keys()])).toEqual([['x'], ['x']]);
    const corrupt = file.slice();
    corrupt[20] ^= 1;
    expect(() => readTfRecords(corrupt, 'w')).toThrow('w: record 0: corrupt data (CRC mismatch)');
    expect(() => readTfRecords(file.subarray(0, file.length - 1), 'w')).toThrow('w: record 1: truncated data');
    expect(() => parseTfWarmup(tfRecord([new Uint8Array(field(2, []))]), 'w')).toThrow('w: record 0: classify_log records are not supported as warmup (only predict_log)');
  });

  it('replays each record before the version is AVAILABLE; a record that does not run ends it as END', async () => {
    const model = largeModel(256, { offset: 3 });
    const good = tfRecord([predictionLog(10)]);
    const source = new MemorySource().put('1/model.onnx', model).put('1/assets.extra/tf_serving_warmup_requests', good);
    // A record whose input the model does not have: float [1, 1] named "z".
    const bad = tfRecord([new Uint8Array([...predictionLog(10)].map((b) => (b === 'x'.charCodeAt(0) ? 'z'.charCodeAt(0) : b)))]);
    const manifest = { files: [{ path: 'model.onnx', size: model.length, sha256: await sha256Hex(model) }, { path: 'assets.extra/tf_serving_warmup_requests', size: bad.length, sha256: await sha256Hex(bad) }] };
    source.put('2/model.onnx', model).put('2/assets.extra/tf_serving_warmup_requests', bad).put('2/manifest.json', JSON.stringify(manifest));
    source.put('model.json', JSON.stringify({ version_policy: { all: {} }, warmup: { num_request_iterations: 2 } }));
    const manager = new Manager([{ config: config(), source }], { backend: onnxruntimeNode(), cacheBytes: 1 << 24, pollIntervalMs: -1 });
    await manager.preload();
    const [v2, v1] = await manager.status('m');
    expect(v1).toMatchObject({ state: 'AVAILABLE', error: null });
    expect(v2.state).toBe('END');
    expect(v2.error?.message).toMatch(/^Warmup failed: memory:\/2\/assets.extra\/tf_serving_warmup_requests request 0: /);
  });
});
