import { describe, expect, it } from 'vitest';
import { onnxruntimeNode } from '../../runtime/node/onnxruntime-node.ts';
import { largeModel } from '../../test/fixtures/onnx-writer.ts';
import { MemorySource } from '../repository/memory-source.ts';
import { config } from '../testing/fake-manager.ts';
import { Manager } from './manager.ts';
import { compareOutput, parseWarmup } from './warmup.ts';

// warmup.json on the real onnxruntime-node backend: y = x + offset (largeModel), so a version
// whose offset differs from the golden outputs fails its check.
const warmup = (expected: number) =>
  JSON.stringify({ requests: [{ request: { instances: [[10]] }, expected: { y: [[expected]] }, iterations: 2 }] });

function managerWith(files: Record<string, Uint8Array | string>) {
  const source = new MemorySource();
  for (const [p, b] of Object.entries(files)) source.put(p, b);
  const logs: string[] = [];
  const manager = new Manager([{ config: config(), source }], { backend: onnxruntimeNode(), cacheBytes: 1 << 24, pollIntervalMs: -1, log: (m) => logs.push(m) });
  return { manager, logs };
}

describe('warmup.json', () => {
  it('runs before a version becomes AVAILABLE; a golden match serves', async () => {
    const { manager, logs } = managerWith({ '1/model.onnx': largeModel(256, { offset: 3 }), '1/warmup.json': warmup(13) });
    await manager.preload();
    expect((await manager.status('m'))[0]).toMatchObject({ version: 1, state: 'AVAILABLE', error: null });
    expect(logs.some((l) => l.includes('version 1: warmup passed'))).toBe(true);
  });

  it('ends a version whose outputs differ as END naming request, output, index, expected and actual; the previous keeps serving', async () => {
    const { manager } = managerWith({
      '1/model.onnx': largeModel(256, { offset: 3 }),
      '1/warmup.json': warmup(13),
      '2/model.onnx': largeModel(256, { offset: 4 }),
      '2/warmup.json': warmup(13),
    });
    await manager.preload();
    const [v2, v1] = await manager.status('m');
    expect(v2.state).toBe('END');
    expect(v2.error?.code).toBe('FAILED_PRECONDITION');
    expect(v2.error?.message).toBe('Warmup golden check failed: memory:/2/warmup.json request 0, output "y": index 0: expected 13, actual 14 (tolerance 0.00001)'.replace('0.00001', String(1e-5)));
    expect(v1.state).toBe('AVAILABLE');
    const lease = await manager.acquire('m');
    lease.release();
    expect(lease.servable.version).toBe(1);
  });

  it('ends a version whose warmup request does not fit its signature', async () => {
    const { manager } = managerWith({ '1/model.onnx': largeModel(256), '1/warmup.json': JSON.stringify({ requests: [{ request: { instances: [['a']] } }] }) });
    await manager.preload();
    const [v1] = await manager.status('m');
    expect(v1.state).toBe('END');
    expect(v1.error?.message).toMatch(/^Warmup failed: memory:\/1\/warmup.json request 0: /);
  });
});

describe('parseWarmup and compareOutput', () => {
  const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  it('reads requests with defaults and rejects malformed files', () => {
    expect(parseWarmup(bytes({ requests: [{ request: { instances: [1] } }], tolerance: 0.1 }), 'w')).toEqual([
      { request: { instances: [1] }, expected: undefined, tolerance: 0.1, iterations: 1 },
    ]);
    expect(() => parseWarmup(bytes([]), 'w')).toThrow('w: must be {"requests": [...]}');
    expect(() => parseWarmup(bytes({ requests: [{}] }), 'w')).toThrow('w: requests[0]: needs a "request" object');
    expect(() => parseWarmup(bytes({ requests: [{ request: {}, iterations: 0 }] }), 'w')).toThrow('iterations');
  });

  it('compares floats within a relative tolerance, others exactly', () => {
    const f = { dtype: 'float32' as const, dims: [2], data: Float32Array.of(1, 1000) };
    expect(compareOutput(f, [1.000001, 1000.001], 1e-5)).toBeNull();
    expect(compareOutput(f, [1, 1000.1], 1e-5)).toMatch(/^index 1: expected 1000.1, actual 1000/);
    expect(compareOutput(f, [1], 1e-5)).toBe('expected 1 values, got 2 (shape [2])');
    expect(compareOutput({ dtype: 'int64', dims: [1], data: BigInt64Array.of(5n) }, [5], 0)).toBeNull();
    expect(compareOutput({ dtype: 'string', dims: [1], data: ['a'] }, ['b'], 0)).toBe('index 0: expected "b", actual "a"');
    expect(compareOutput(undefined, [1], 0)).toBe('the model has no such output');
  });
});
