import { describe, expect, it } from 'vitest';
import { servingMetrics } from '../metrics/serving-metrics.ts';
import { countedSource } from './counted-source.ts';
import { MemorySource } from './memory-source.ts';

describe('countedSource', () => {
  it('counts list and read calls by outcome', async () => {
    const metrics = servingMetrics();
    const memory = new MemorySource().put('1/model.onnx', 'x');
    const source = countedSource(memory, 'm', metrics.storageCalls);
    await source.list();
    await source.read('1/model.onnx');
    await source.read('2/model.onnx');
    memory.down = true;
    await expect(source.read('1/model.onnx')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const count = (op: string, outcome: string) => metrics.storageCalls.get({ model: 'm', op, outcome });
    expect([count('list', 'ok'), count('read', 'ok'), count('read', 'missing'), count('read', 'error')]).toEqual([1, 1, 1, 1]);
    expect(metrics.registry.render()).toContain('edgeserve_storage_calls_total{model="m",op="read",outcome="missing"} 1');
  });
});
