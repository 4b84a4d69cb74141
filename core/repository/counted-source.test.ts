import { describe, expect, it } from 'vitest';
import { servingMetrics } from '../metrics/serving-metrics.ts';
import { countedSource } from './counted-source.ts';
import { MemorySource } from './memory-source.ts';
import type { ModelSource } from './source.ts';

/** A MemorySource that also streams (as the disk tier's sources do) and knows local paths. */
class StreamingSource extends MemorySource {
  broken = false;
  async open(path: string): Promise<AsyncIterable<Uint8Array> | null> {
    if (this.broken) throw new Error('connection reset');
    const bytes = this.files.get(path);
    if (!bytes) return null;
    return (async function* () {
      yield bytes;
    })();
  }
  localPath(path: string): string | null {
    return `/models/m/${path}`;
  }
}

function counted(source: ModelSource) {
  const metrics = servingMetrics();
  const counter = metrics.storageCalls;
  return {
    source: countedSource(source, 'm', counter),
    count: (op: string, outcome: string) => counter.get({ model: 'm', op, outcome }),
    render: () => metrics.registry.render(),
  };
}

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

  it('counts a failed list as op="list", outcome="error", and passes the error on', async () => {
    const memory = new MemorySource();
    memory.down = true;
    const { source, count, render } = counted(memory);
    await expect(source.list()).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'Storage at memory: is unreachable' });
    expect(count('list', 'error')).toBe(1);
    expect(render()).toContain('edgeserve_storage_calls_total{model="m",op="list",outcome="error"} 1');
  });

  it('counts streamed reads (open) as reads: ok, missing and error', async () => {
    const streaming = new StreamingSource().put('1/model.onnx.data', 'weights');
    const { source, count, render } = counted(streaming);
    const chunks = await source.open!('1/model.onnx.data');
    const read: Uint8Array[] = [];
    for await (const chunk of chunks!) read.push(chunk);
    expect(new TextDecoder().decode(read[0])).toBe('weights');
    expect(await source.open!('2/model.onnx.data')).toBeNull();
    streaming.broken = true;
    await expect(source.open!('1/model.onnx.data')).rejects.toThrow('connection reset');
    expect([count('read', 'ok'), count('read', 'missing'), count('read', 'error')]).toEqual([1, 1, 1]);
    expect(render()).toContain('edgeserve_storage_calls_total{model="m",op="read",outcome="ok"} 1');
    expect(render()).toContain('edgeserve_storage_calls_total{model="m",op="read",outcome="missing"} 1');
    expect(render()).toContain('edgeserve_storage_calls_total{model="m",op="read",outcome="error"} 1');
  });

  it('offers open() and localPath() only when the wrapped source has them', () => {
    const plain = counted(new MemorySource()).source;
    expect(plain.open).toBeUndefined();
    expect(plain.localPath).toBeUndefined();
    const streaming = counted(new StreamingSource()).source;
    expect(streaming.open).toBeTypeOf('function');
    expect(streaming.localPath).toBeTypeOf('function');
  });

  it('answers localPath() from the wrapped source without counting a storage call', () => {
    const { source, render } = counted(new StreamingSource());
    expect(source.localPath!('1/model.onnx')).toBe('/models/m/1/model.onnx');
    expect(render()).not.toContain('edgeserve_storage_calls_total{');
  });

  it('keeps the wrapped source\'s location and manifest rule', () => {
    const { source } = counted(new MemorySource('s3://b/m', true));
    expect(source.location).toBe('s3://b/m');
    expect(source.requiresManifest).toBe(true);
  });
});
